// The scale-out bench's worker, a process of its own so that its CPU is read apart from the
// driver's (test/bench/scale-out.ts starts it with the driver's Node flags and environment:
// BATON_NAMESPACE, BATON_NATS_URL, BENCH_WORKER_START, BENCH_CHAIN_LENGTH).
//
// It runs the harness's no-op worker on queue `bench` over chains t0 → … → t<L-1> and talks to
// the driver over IPC:
//   → {type: 'finished', runs}   runs whose last task's result it has published (every 10 ms at most)
//   ← {type: 'window-start'}     forget the samples so far
//   ← {type: 'window-end'}       → {type: 'window', …}: hand-offs, commands and their bytes since the start
//   ← {type: 'stop'}             stop consuming, close, exit
import { connectNats, ensureStreams, jetstreamClient, loadConfig, subjectsFor } from '@baton/shared'
import { noopWorker, percentile, r3 } from './harness.js'

/** What the worker reports for a measurement window. */
export interface WorkerWindow {
  readonly type: 'window'
  readonly handoffs: number
  readonly p50_ms: number
  readonly p99_ms: number
  readonly commands: number
  readonly command_bytes: number
}

/** Messages the driver sends. */
export type WorkerControl = { type: 'window-start' } | { type: 'window-end' } | { type: 'stop' }

const config = loadConfig(process.env)
const subjects = subjectsFor(config.namespace)
const lastTask = `t${Number(process.env.BENCH_CHAIN_LENGTH ?? '4') - 1}`
const nc = await connectNats(config.natsUrl, `bench-worker-${config.namespace}`)
const jsm = await ensureStreams(nc, subjects)
const js = jetstreamClient(nc)

// A task's result time, kept until its successor's command arrives (the last task has none).
const completedAt = new Map<string, number>()
let latencies: number[] = []
let commands = 0
let commandBytes = 0
let finished = 0
let reported = 0

const worker = await noopWorker({ subjects, js, jsm }, 'bench', {
  start: process.env.BENCH_WORKER_START === 'reported' ? 'reported' : 'implied',
  onCommand: (cmd, at, bytes) => {
    commands++
    commandBytes += bytes
    const key = `${cmd.runId}/t${Number(cmd.taskId.slice(1)) - 1}`
    const t = completedAt.get(key)
    if (t === undefined) return
    completedAt.delete(key)
    latencies.push(at - t)
  },
  beforeSucceed: (cmd) => {
    if (cmd.taskId === lastTask) finished++
    else completedAt.set(`${cmd.runId}/${cmd.taskId}`, performance.now())
  },
})

const ticker = setInterval(() => {
  if (finished === reported) return
  reported = finished
  process.send!({ type: 'finished', runs: finished })
}, 10)

process.on('message', (m: WorkerControl) => {
  if (m.type === 'window-start') {
    latencies = []
    commands = 0
    commandBytes = 0
  } else if (m.type === 'window-end') {
    const sorted = latencies.sort((a, b) => a - b)
    const out: WorkerWindow = { type: 'window', handoffs: sorted.length, p50_ms: r3(percentile(sorted, 50)), p99_ms: r3(percentile(sorted, 99)), commands, command_bytes: commandBytes }
    process.send!(out)
  } else if (m.type === 'stop') {
    clearInterval(ticker)
    void worker
      .stop()
      .then(() => nc.drain())
      .finally(() => process.disconnect())
  }
})
process.send!({ type: 'ready' })
