import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ensureDatabase, loadConfig } from '@baton/shared'
import pg from 'pg'
import { requestRun, type BenchEnv } from './harness.js'
import type { WorkerControl, WorkerWindow } from './scale-out-worker.js'

// The scale-out bench's moving parts (test/bench/scale-out.ts): a database of its own, the worker
// process, and the two ways of offering load — a closed loop (a run requested as one finishes)
// and a fixed rate (runs requested on a clock, whatever the system does).

const WORKER_FILE = fileURLToPath(new URL('./scale-out-worker.ts', import.meta.url))

/**
 * Runs `body` with BATON_DATABASE_URL naming a fresh database, so that pg_stat_database counts
 * this bench alone (the namespace and the coordinators it spawns read the variable), then drops
 * the database and restores the variable.
 */
export async function withOwnDatabase<T>(body: () => Promise<T>): Promise<T> {
  const previous = process.env.BATON_DATABASE_URL
  const url = new URL(loadConfig(process.env).databaseUrl)
  url.pathname = `/baton_bench_scale_out_${process.pid}`
  process.env.BATON_DATABASE_URL = url.toString()
  try {
    await ensureDatabase(url.toString())
    return await body()
  } finally {
    if (previous === undefined) delete process.env.BATON_DATABASE_URL
    else process.env.BATON_DATABASE_URL = previous
    const name = url.pathname.slice(1)
    url.pathname = '/postgres'
    const client = new pg.Client({ connectionString: url.toString() })
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end())
  }
}

/** The worker process (scale-out-worker.ts), seen from the driver. */
export interface WorkerProcess {
  readonly child: ChildProcess
  /** Runs whose last task's result the worker has published. */
  readonly finished: number
  /** Called whenever `finished` grows. */
  onFinished?: () => void
  /** Forgets the hand-offs and commands counted so far. */
  windowStart(): void
  /** Hand-offs and commands since `windowStart`. */
  windowEnd(): Promise<WorkerWindow>
  stop(): Promise<void>
}

/** Starts the worker process (with this process's Node flags, i.e. tsx) and waits until it consumes. */
export async function startWorkerProcess(env: BenchEnv, chainLength: number, workerStart: string): Promise<WorkerProcess> {
  const child = fork(WORKER_FILE, [], { env: { ...env.env, BENCH_CHAIN_LENGTH: String(chainLength), BENCH_WORKER_START: workerStart }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const send = (m: WorkerControl) => child.send(m)
  let finished = 0
  const handle: WorkerProcess = {
    child,
    get finished() {
      return finished
    },
    windowStart: () => send({ type: 'window-start' }),
    windowEnd: () =>
      new Promise((resolve) => {
        const on = (m: { type: string }) => {
          if (m.type !== 'window') return
          child.off('message', on)
          resolve(m as WorkerWindow)
        }
        child.on('message', on)
        send({ type: 'window-end' })
      }),
    async stop() {
      if (child.connected) send({ type: 'stop' })
      await exited
    },
  }
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench: scale-out worker exited (${code}) before it was ready`)))
    child.on('message', (m: { type: string; runs?: number }) => {
      if (m.type === 'ready') resolve()
      else if (m.type === 'finished') {
        finished = m.runs!
        handle.onFinished?.()
      }
    })
  })
  return handle
}

/** Load being offered; `stop` ends it once every request made is stored, and returns how many were. */
export interface Load {
  stop(): Promise<number>
}

/** Keeps `inflight` runs in flight: a run is requested as soon as the worker finishes one. */
export function closedLoop(env: BenchEnv, worker: WorkerProcess, workflow: string, inflight: number): Load {
  const base = worker.finished
  let requested = 0
  let loading = true
  let failure: unknown
  let topping: Promise<void> | undefined
  const topUp = () => {
    topping ??= (async () => {
      while (loading && requested - (worker.finished - base) < inflight) {
        const k = inflight - (requested - (worker.finished - base))
        requested += k
        await Promise.all(Array.from({ length: k }, () => requestRun(env, workflow)))
      }
    })()
      .catch((e: unknown) => {
        failure ??= e
      })
      .finally(() => {
        topping = undefined
      })
  }
  worker.onFinished = topUp
  topUp()
  return {
    async stop() {
      loading = false
      worker.onFinished = undefined
      await topping
      if (failure) throw failure
      return requested
    },
  }
}

/** Requests `runsPerSecond` runs a second on a 10 ms clock, however fast they finish. */
export function fixedRate(env: BenchEnv, workflow: string, runsPerSecond: number): Load {
  const start = performance.now()
  let requested = 0
  const pending = new Set<Promise<void>>()
  let failure: unknown
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * runsPerSecond) - requested
    for (let i = 0; i < due; i++) {
      requested++
      const p: Promise<void> = requestRun(env, workflow)
        .catch((e: unknown) => {
          failure ??= e
        })
        .finally(() => pending.delete(p))
      pending.add(p)
    }
  }, 10)
  return {
    async stop() {
      clearInterval(ticker)
      await Promise.all(pending)
      if (failure) throw failure
      return requested
    },
  }
}
