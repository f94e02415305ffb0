import { measureRawFloor } from './raw-floor.js'
import { cliStartup } from './cli-startup.js'
import { apiBench } from './api.js'
import { uiBench } from './ui.js'
import { poolBench } from './pools.js'
import { mapBench } from './map.js'
import { scaleOutBench } from './scale-out.js'
import { duplicateTransitions } from '../support/runs.js'
import { benchEnv, deploy, noopWorker, percentile, r3, requestRun, spawnCoordinator, stopChild, until, type BenchEnv } from './harness.js'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

// `make bench`: prints one JSON line per measurement. Targets: design brief §5.
// Sizes can be reduced for a quick look: BENCH_SCALE=0.1 make bench

const SCALE = Number(process.env.BENCH_SCALE ?? '1')
/**
 * How the no-op worker reports starts: `implied` (default, as the SDK does for an instant
 * handler: the result alone) or `reported` (`started` then the result, the SDK with
 * startedAfterMs 0): BENCH_WORKER_START=reported compares the two.
 */
const WORKER_START = process.env.BENCH_WORKER_START === 'reported' ? 'reported' : 'implied'
const n = (x: number) => Math.max(10, Math.round(x * SCALE))

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

function chain(name: string, length: number) {
  const tasks: Record<string, { after?: string[]; queue: string }> = {}
  for (let i = 0; i < length; i++) tasks[`t${i}`] = { queue: 'bench', ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }
  return { name, tasks }
}

async function withCoordinators<T>(env: BenchEnv, count: number, body: (pids: number[]) => Promise<T>): Promise<T> {
  const children: ChildProcess[] = []
  for (let i = 0; i < count; i++) children.push(spawnCoordinator(env))
  try {
    return await body(children.map((c) => c.pid!))
  } finally {
    for (const c of children) await stopChild(c)
  }
}

/** Hand-off latency over a long chain, and the chain's total time (brief: 1,000-task chain ≤ 10 s). */
async function handoff(): Promise<void> {
  const env = await benchEnv('handoff')
  try {
    const length = n(1001)
    await deploy(env, chain('chain', length))
    const floor = await measureRawFloor(env, n(1000))
    const completedAt = new Map<string, number>()
    const latencies: number[] = []
    let received = 0
    const worker = await noopWorker(env, 'bench', {
      start: WORKER_START,
      onCommand: (cmd, at) => {
        received++
        const prev = Number(cmd.taskId.slice(1)) - 1
        const t = completedAt.get(`${cmd.runId}/t${prev}`)
        if (t !== undefined) latencies.push(at - t)
      },
      beforeSucceed: (cmd) => completedAt.set(`${cmd.runId}/${cmd.taskId}`, performance.now()),
    })
    const start = performance.now()
    await withCoordinators(env, 1, async () => {
      await requestRun(env, 'chain')
      await until(async () => {
        const r = await env.db.selectFrom('runs').select('status').executeTakeFirst()
        return r?.status === 'succeeded'
      }, 300_000, 'chain run to finish')
    })
    const chainSeconds = (performance.now() - start) / 1000
    await worker.stop()
    latencies.sort((a, b) => a - b)
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    emit({ bench: 'raw_floor', p50_ms: floor.p50, p99_ms: floor.p99, samples: floor.samples })
    emit({ bench: 'handoff', worker_start: WORKER_START, p50_ms: r3(p50), p99_ms: r3(p99), handoffs: latencies.length, ratio_p50_to_floor: r3(p50 / floor.p50), ratio_p99_to_floor: r3(p99 / floor.p99), target: 'p50<=5ms p99<=15ms ratio<=3' })
    emit({ bench: 'chain', tasks: length, seconds: r3(chainSeconds), commands: received, note: 'includes coordinator start-up (process spawn)', target: '1000 tasks <= 10s' })
  } finally {
    await env.close()
  }
}

/** Task transitions per second with no-op tasks, with one and with two coordinators. */
async function throughput(coordinators: number): Promise<void> {
  const env = await benchEnv(`tput${coordinators}`)
  try {
    const width = 50
    const tasks: Record<string, { after?: string[]; queue: string }> = { root: { queue: 'bench' }, join: { queue: 'bench', after: [] } }
    for (let i = 0; i < width; i++) tasks[`w${i}`] = { queue: 'bench', after: ['root'] }
    tasks.join!.after = Object.keys(tasks).filter((t) => t.startsWith('w'))
    await deploy(env, { name: 'wide', tasks })
    const runs = n(200)
    const worker = await noopWorker(env, 'bench', { start: WORKER_START })
    let seconds = 0
    await withCoordinators(env, coordinators, async () => {
      // Let the coordinators start before the clock does.
      await new Promise((r) => setTimeout(r, 1500))
      const start = performance.now()
      for (let i = 0; i < runs; i++) await requestRun(env, 'wide')
      await until(async () => {
        const r = await env.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirst()
        return Number(r?.n) === runs
      }, 600_000, 'throughput runs to finish')
      seconds = (performance.now() - start) / 1000
    })
    await worker.stop()
    const t = await env.db.selectFrom('history').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'transition').executeTakeFirst()
    const transitions = Number(t?.n)
    const dupes = await duplicateTransitions(env.db)
    // Tasks per second too: a task whose result implied its start makes 3 transitions, not 4.
    emit({ bench: 'throughput', worker_start: WORKER_START, coordinators, runs, tasks_per_run: width + 2, transitions, seconds: r3(seconds), transitions_per_s: Math.round(transitions / seconds), tasks_per_s: Math.round((runs * (width + 2)) / seconds), duplicate_transitions: dupes.length, target: '>=5000/s' })
  } finally {
    await env.close()
  }
}

/** Fan-out: time from the parent's completion to the last of its children's commands received. */
async function fanout(): Promise<void> {
  const env = await benchEnv('fanout')
  try {
    const width = n(10_000)
    const tasks: Record<string, { after?: string[]; queue: string }> = { parent: { queue: 'parent' } }
    for (let i = 0; i < width; i++) tasks[`c${i}`] = { queue: 'children', after: ['parent'] }
    await deploy(env, { name: 'fanout', tasks })
    let parentDone = 0
    let received = 0
    let first = 0
    let last = 0
    const parent = await noopWorker(env, 'parent', { beforeSucceed: () => (parentDone = performance.now()) })
    // The children's worker counts commands (and reports each child done, as a worker would).
    const children = await noopWorker(env, 'children', {
      onCommand: (_c, at) => {
        received++
        first ||= at
        last = at
      },
    })
    await withCoordinators(env, 1, async () => {
      await requestRun(env, 'fanout')
      await until(() => received >= width, 300_000, 'fan-out commands')
    })
    await parent.stop()
    await children.stop()
    emit({ bench: 'fanout', children: width, ms_to_first_command: r3(first - parentDone), seconds_to_all_commands: r3((last - parentDone) / 1000), target: 'first within 50 ms; 10000 commands within 1s' })
  } finally {
    await env.close()
  }
}

/** Resident memory of a process in MiB (VmRSS from /proc). */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Math.round(Number(kb) / 102.4) / 10
}

/**
 * Coordinator memory over many runs (brief: flat): one coordinator, single-task runs requested
 * back to back; RSS after 10% of them and after all of them (target: within 10%).
 */
async function memory(): Promise<void> {
  const env = await benchEnv('memory')
  try {
    const total = n(100_000)
    const early = Math.round(total / 10)
    await deploy(env, { name: 'one', tasks: { t: { queue: 'bench' } } })
    const worker = await noopWorker(env, 'bench')
    const succeeded = async () => Number((await env.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirst())?.n)
    const samples: Record<string, number> = {}
    // RSS at every tenth: a leak keeps climbing, a heap that has found its size levels off.
    const series: number[] = []
    const start = performance.now()
    await withCoordinators(env, 1, async (pids) => {
      // Requests in flight are bounded so the measurement sees the coordinator's steady state, not its backlog.
      for (let sent = 0; sent < total; ) {
        const batch = Math.min(500, total - sent)
        await Promise.all(Array.from({ length: batch }, () => requestRun(env, 'one')))
        sent += batch
        await until(async () => (await succeeded()) >= sent - 1000, 600_000, 'memory runs to keep up')
        if (sent % early === 0) {
          await until(async () => (await succeeded()) >= sent, 600_000, 'runs of this tenth')
          series.push(rssMiB(pids[0]!))
          samples.early ??= series[0]!
        }
      }
      await until(async () => (await succeeded()) >= total, 600_000, 'all memory runs')
      samples.late = rssMiB(pids[0]!)
    })
    await worker.stop()
    emit({ bench: 'memory', runs: total, rss_mib_after_10pct: samples.early, rss_mib_after_all: samples.late, rss_mib_each_tenth: series, growth: r3(samples.late! / samples.early! - 1), seconds: r3((performance.now() - start) / 1000), target: 'growth <= 0.10' })
  } finally {
    await env.close()
  }
}

const only = process.argv[2]
if (!only || only === 'cli') emit(await cliStartup(n(20)))
if (!only || only === 'handoff') await handoff()
if (!only || only === 'throughput') {
  await throughput(1)
  await throughput(2)
}
if (!only || only === 'fanout') await fanout()
if (!only || only === 'memory') await memory()
if (!only || only === 'pools') await poolBench(emit, n)
if (!only || only === 'map') await mapBench(emit, n)
if (!only || only === 'scale-out') await scaleOutBench(emit, n, WORKER_START)
if (!only || only === 'api') await apiBench(emit, n)
if (!only || only === 'ui') await uiBench(emit, n)
process.exit(0)
