import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { BATON_BIN } from '../support/processes.js'

/**
 * The `baton coordinator` and `baton worker` child processes of a chaos run (the built CLI, as
 * a user runs it). Every exit is recorded with its code or signal and whether the harness caused
 * it; a process that dies on its own is a finding, and is restarted so the run goes on. Output
 * goes to one log file per process and generation (`<dir>/logs/`).
 */

/** What a fleet member is. */
export type Role = 'coordinator' | 'worker'

/** One exit of a member's process. */
export interface ExitRecord {
  readonly name: string
  readonly pid: number
  readonly code: number | null
  readonly signal: string | null
  /** True when the harness killed or stopped it. */
  readonly expected: boolean
  readonly at: number
  readonly log: string
}

/** One coordinator or worker slot; its process is replaced on restart. */
export class Member {
  child!: ChildProcess
  pid = 0
  generation = 0
  spawnedAt = 0
  /** When the current process logged that it started (`coordinator started`, `worker started`). */
  readyAt: number | undefined
  logFile = ''
  paused = false
  /** Every process this slot had: when spawned, and when it logged that it started. */
  readonly starts: { generation: number; spawnedAt: number; readyAt?: number }[] = []
  private expectExit = false
  private exited!: Promise<void>

  constructor(
    readonly fleet: Fleet,
    readonly role: Role,
    readonly index: number,
    private readonly args: readonly string[],
    /** How many "started" lines mean ready (a worker logs one per queue). */
    private readonly readyLines: number,
  ) {}

  get name(): string {
    return `${this.role}-${this.index}`
  }

  /** Whether the current process is running. */
  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts a new process for this slot. */
  spawn(): void {
    this.generation++
    const logFile = join(this.fleet.logDir, `${this.name}.${this.generation}.log`)
    // This process's own log stream: output still draining after a restart stays in its file.
    const out = createWriteStream(logFile)
    out.on('error', () => {})
    this.logFile = logFile
    this.expectExit = false
    this.paused = false
    this.readyAt = undefined
    this.spawnedAt = Date.now()
    const child = spawn(process.execPath, [BATON_BIN, ...this.args], { env: this.fleet.env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.pid = child.pid ?? 0
    const start: { generation: number; spawnedAt: number; readyAt?: number } = { generation: this.generation, spawnedAt: this.spawnedAt }
    this.starts.push(start)
    // Ready once every queue's worker (or the coordinator) has logged that it started.
    const ready = this.role === 'coordinator' ? 'coordinator started' : 'worker started'
    let seen = 0
    let tail = ''
    const onData = (d: Buffer): void => {
      out.write(d)
      if (start.readyAt !== undefined) return
      tail += d.toString()
      const lines = tail.split('\n')
      tail = lines.pop()!
      seen += lines.filter((l) => l.includes(ready)).length
      if (seen >= this.readyLines) {
        start.readyAt = Date.now()
        if (this.child === child) this.readyAt = start.readyAt
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('close', () => out.end())
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const record: ExitRecord = { name: this.name, pid: child.pid ?? 0, code, signal, expected: this.expectExit, at: Date.now(), log: logFile }
        this.fleet.exits.push(record)
        resolve()
        if (!record.expected && !this.fleet.stopping) {
          // Died on its own: a finding (checked at the end); start another so the run goes on.
          this.fleet.onUnexpectedExit?.(record)
          setTimeout(() => {
            if (!this.fleet.stopping && !this.alive) this.spawn()
          }, 1000)
        }
      }),
    )
  }

  /** SIGKILLs the current process and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.alive) return
    this.expectExit = true
    if (this.paused) this.child.kill('SIGCONT')
    this.child.kill('SIGKILL')
    await this.exited
  }

  /** SIGSTOP (pause) or SIGCONT (resume). */
  pause(on: boolean): void {
    if (!this.alive) return
    this.paused = on
    this.child.kill(on ? 'SIGSTOP' : 'SIGCONT')
  }

  /** SIGTERM, waiting up to `graceMs`, then SIGKILL. Resolves with how it ended. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: string | null; forced: boolean }> {
    if (!this.alive) return { code: this.child?.exitCode ?? null, signal: this.child?.signalCode ?? null, forced: false }
    this.expectExit = true
    if (this.paused) this.pause(false)
    this.child.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const inTime = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))])
    clearTimeout(timer)
    if (!inTime) {
      this.child.kill('SIGKILL')
      await this.exited
    }
    return { code: this.child.exitCode, signal: this.child.signalCode, forced: !inTime }
  }
}

/** The coordinators and workers of a run. */
export class Fleet {
  readonly coordinators: Member[] = []
  readonly workers: Member[] = []
  readonly exits: ExitRecord[] = []
  stopping = false
  onUnexpectedExit: ((e: ExitRecord) => void) | undefined

  constructor(
    readonly env: Record<string, string>,
    readonly logDir: string,
  ) {}

  /** Adds and starts a coordinator. */
  addCoordinator(): Member {
    const m = new Member(this, 'coordinator', this.coordinators.length + 1, ['coordinator'], 1)
    this.coordinators.push(m)
    m.spawn()
    return m
  }

  /** Adds and starts a worker of `queues` with the fixture handlers. */
  addWorker(queues: readonly string[], handlers: string, concurrency: number): Member {
    const m = new Member(this, 'worker', this.workers.length + 1, ['worker', '--queue', ...queues, '--handlers', handlers, '--concurrency', String(concurrency)], queues.length)
    this.workers.push(m)
    m.spawn()
    return m
  }

  /** Every member. */
  all(): Member[] {
    return [...this.coordinators, ...this.workers]
  }

  /** Stops every member (SIGTERM, then SIGKILL after `graceMs`); returns how each ended. */
  async stopAll(graceMs: number): Promise<{ name: string; code: number | null; signal: string | null; forced: boolean }[]> {
    this.stopping = true
    // Workers first: their running attempts end while coordinators still apply the results.
    const workers = await Promise.all(this.workers.map(async (m) => ({ name: m.name, ...(await m.stop(graceMs)) })))
    const coordinators = await Promise.all(this.coordinators.map(async (m) => ({ name: m.name, ...(await m.stop(graceMs)) })))
    return [...workers, ...coordinators]
  }
}
