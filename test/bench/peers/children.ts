// Child processes of `make bench-peers`: every one is remembered until it exits, so that success,
// failure and Ctrl-C all end them (and nothing the bench did not start is ever signalled).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SPEC_ENV, type DriverMessage, type WorkerMessage, type WorkerReport, type WorkerSpec } from './common.js'

/** Worker and coordinator processes of workload runs. */
const live = new Set<ChildProcess>()
/** Servers the bench started (its redis-server): they outlive a failed run and stop last. */
const servers = new Set<ChildProcess>()

/** Remembers a child until it exits; a `server` is not ended by killAllChildren (it stops last). */
export function trackChild(child: ChildProcess, kind: 'run' | 'server' = 'run'): void {
  const set = kind === 'run' ? live : servers
  set.add(child)
  child.once('exit', () => set.delete(child))
  // A child that could not start ('error') must not crash the driver; its exit is what we wait for.
  child.once('error', (e) => console.error(`bench-peers: ${child.spawnfile}: ${e.message}`))
}

/** `spawn`, remembering the child until it exits. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions, kind: 'run' | 'server' = 'run'): ChildProcess {
  const child = spawn(command, args, options)
  trackChild(child, kind)
  return child
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(kill)
}

/** Ends every worker and coordinator still running (SIGTERM, SIGKILL after 5 s): the Ctrl-C path. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => stopProcess(c, 5000)))
}

/** Last resort on process exit: SIGKILL whatever is left (synchronous, nothing can be awaited then). */
export function killAllChildrenNow(): void {
  for (const c of [...live, ...servers]) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}

/** A worker process of one workload run, spoken to over its IPC channel. */
export interface WorkerProcess {
  readonly pid: number
  /** Waits for the worker's `type` message (`ready`, `warmed`, `done`); rejects on its `error`, its exit, or after `timeoutMs`. */
  next(type: 'ready' | 'warmed' | 'done', timeoutMs: number, what: string): Promise<void>
  /** Asks the worker for its measurements of the measured run. */
  report(timeoutMs?: number): Promise<WorkerReport>
  /** Asks the worker to stop its library and exit; SIGTERM/SIGKILL when it does not. */
  stop(): Promise<void>
}

/**
 * Starts `worker-<system>.ts` with the same Node flags as the driver (tsx, `baton-source`) and
 * an IPC channel; its stdout goes to our stderr so that stdout stays JSON lines.
 */
export function spawnWorker(spec: WorkerSpec, env: Record<string, string | undefined>): WorkerProcess {
  const entry = fileURLToPath(new URL(`./worker-${spec.system}.ts`, import.meta.url))
  const child = spawnTracked(process.execPath, [...process.execArgv, entry], {
    env: { ...env, [SPEC_ENV]: JSON.stringify(spec) },
    stdio: ['ignore', 2, 2, 'ipc'],
  })
  const seen = new Set<string>()
  const waiters = new Set<(m: WorkerMessage | { type: 'exit'; message: string }) => void>()
  let report: WorkerReport | undefined
  let failure: string | undefined
  const dispatch = (m: WorkerMessage | { type: 'exit'; message: string }) => {
    if (m.type === 'report') report = m.report
    else if (m.type === 'error' || m.type === 'exit') failure ??= m.message
    else seen.add(m.type)
    for (const w of [...waiters]) w(m)
  }
  child.on('message', (m: WorkerMessage) => dispatch(m))
  child.once('exit', (code, signal) => dispatch({ type: 'exit', message: `worker process exited (${code ?? signal})` }))

  const wait = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (failure !== undefined) return finish(new Error(`${what}: ${failure}`))
        if (ok()) return finish()
      }
      const timer = setTimeout(() => finish(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)), timeoutMs)
      const finish = (e?: Error) => {
        clearTimeout(timer)
        waiters.delete(check)
        if (e) reject(e)
        else resolve()
      }
      waiters.add(check)
      check()
    })

  return {
    pid: child.pid ?? -1,
    next: (type, timeoutMs, what) => wait(() => seen.has(type), timeoutMs, what),
    async report(timeoutMs = 30_000) {
      report = undefined
      child.send({ type: 'report' } satisfies DriverMessage)
      await wait(() => report !== undefined, timeoutMs, `${spec.system} worker's report`)
      return report!
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      if (child.connected) child.send({ type: 'stop' } satisfies DriverMessage)
      // The worker exits by itself within 10 s of `stop`; past 15 s it is signalled.
      const term = setTimeout(() => void stopProcess(child, 5000), 15_000)
      await exited
      clearTimeout(term)
    },
  }
}
