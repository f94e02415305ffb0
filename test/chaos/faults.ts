import type { Fleet, Member } from './fleet.js'
import type { PlannedFault, FaultClass } from './plan.js'
import type { ChaosNats } from './nats-servers.js'
import type { PrivatePostgres } from './servers.js'
import type { ReadDb } from './read-db.js'

/**
 * Injects the plan's faults one after another: SIGKILL a coordinator or worker (restarted after
 * the planned delay), SIGKILL nats-server — or one node of a cluster, which a `restart_nats`
 * stops gracefully with SIGTERM instead — (restarted on the same port and store), Postgres
 * `pg_ctl stop -m immediate` (started again), `pg_terminate_backend` of the namespace's
 * backends, SIGSTOP of a coordinator, worker or nats-server (SIGCONT after the planned pause).
 * Each fault is recorded with when it was injected and lifted, and — for worker faults — the
 * tasks the victim was running at that moment, from which the recovery figures are computed.
 */

/** One fault as it happened. */
export interface FaultRecord {
  readonly fault: FaultClass
  readonly victim: string
  /** Started while the previous fault was still on. */
  readonly overlap: boolean
  /** Planned offset from the start of the chaos phase, and how late it was injected. */
  readonly plannedAt: number
  readonly lateMs: number
  /** Injected, and lifted (restart spawned, SIGCONT sent; = injected for a connection drop). */
  readonly injectedAt: number
  liftedAt: number
  /** For process restarts: the restarted slot and the generation of the new process (see `Member.starts`). */
  restarted?: { member: Member; generation: number }
  /** Tasks the victim worker was running when the fault hit. */
  victimTasks?: { runId: string; taskId: string; attempt: number }[]
  detail?: string
  error?: string
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)))

/** Runs the faults; `records` fills as they happen. */
export class FaultInjector {
  readonly records: FaultRecord[] = []
  /** When the last fault was lifted (undefined: none yet). */
  lastLiftedAt: number | undefined

  constructor(
    private readonly fleet: Fleet,
    private readonly nats: ChaosNats,
    private readonly pg: PrivatePostgres,
    private readonly db: ReadDb,
    private readonly namespace: string,
    private readonly log: (m: string) => void,
  ) {}

  /**
   * Injects each fault at its planned time (or at once when running late): one at a time, except
   * that an `overlap` fault starts while the one before it is still on.
   */
  async run(faults: readonly PlannedFault[], t0: number): Promise<void> {
    let inFlight: Promise<void>[] = []
    for (const f of faults) {
      if (!f.overlap) {
        await Promise.all(inFlight)
        inFlight = []
      }
      await sleep(t0 + f.at - Date.now())
      inFlight.push(
        this.inject(f, t0).then((rec) => {
          this.records.push(rec)
          this.lastLiftedAt = Math.max(this.lastLiftedAt ?? 0, rec.liftedAt)
          this.log(`fault ${rec.fault} ${rec.victim}${f.overlap ? ' (overlapping)' : ''}: ${rec.liftedAt - rec.injectedAt} ms${rec.error ? ` (error: ${rec.error})` : ''}`)
        }),
      )
    }
    await Promise.all(inFlight)
  }

  /** The tasks a worker process is running, as committed (read-only; none when Postgres does not answer). */
  private async runningOn(m: Member): Promise<FaultRecord['victimTasks']> {
    try {
      const rows = await this.db.query<{ run_id: string; task_id: string; attempt: number }>(
        `SELECT run_id, task_id, attempt FROM task_states WHERE status = 'running' AND worker_id LIKE '%-' || $1::text || '-%'`,
        [String(m.pid)],
      )
      return rows.map((r) => ({ runId: r.run_id, taskId: r.task_id, attempt: r.attempt }))
    } catch {
      return undefined
    }
  }

  private async inject(f: PlannedFault, t0: number): Promise<FaultRecord> {
    const member = f.fault.endsWith('coordinator') ? this.fleet.coordinators[f.victim] : f.fault.endsWith('worker') ? this.fleet.workers[f.victim] : undefined
    const victim = member?.name ?? (f.fault.endsWith('nats') ? this.nats.name(f.victim) : 'postgres')
    const victimTasks = member?.role === 'worker' ? await this.runningOn(member) : undefined
    const injectedAt = Date.now()
    const rec: FaultRecord = { fault: f.fault, victim, overlap: f.overlap, plannedAt: f.at, lateMs: injectedAt - (t0 + f.at), injectedAt, liftedAt: injectedAt, ...(victimTasks ? { victimTasks } : {}) }
    try {
      switch (f.fault) {
        case 'kill_coordinator':
        case 'kill_worker':
          await member!.kill()
          await sleep(f.durationMs)
          member!.spawn()
          rec.liftedAt = Date.now()
          rec.restarted = { member: member!, generation: member!.generation }
          break
        case 'pause_coordinator':
        case 'pause_worker':
          member!.pause(true)
          await sleep(f.durationMs)
          member!.pause(false)
          rec.liftedAt = Date.now()
          break
        case 'kill_nats':
        case 'restart_nats':
          await this.nats.stopServer(f.victim, f.fault === 'kill_nats' ? 'SIGKILL' : 'SIGTERM')
          await sleep(f.durationMs)
          this.nats.startServer(f.victim)
          rec.liftedAt = Date.now()
          break
        case 'pause_nats':
          this.nats.signal(f.victim, 'SIGSTOP')
          await sleep(f.durationMs)
          this.nats.signal(f.victim, 'SIGCONT')
          rec.liftedAt = Date.now()
          break
        case 'restart_postgres':
          await this.pg.stopImmediate()
          await sleep(f.durationMs)
          await this.pg.startServer()
          rec.liftedAt = Date.now()
          break
        case 'drop_connections':
          rec.detail = `${await this.pg.terminateBackends(this.namespace)} backends terminated`
          rec.liftedAt = Date.now()
          break
      }
    } catch (e) {
      rec.error = (e as Error).message
      rec.liftedAt = Date.now()
    }
    return rec
  }

  /** After the last fault: every process running and none paused; servers up. */
  async restoreAll(): Promise<void> {
    await this.nats.restoreAll()
    if (!(await this.pg.isUp())) await this.pg.startServer().catch((e: unknown) => this.log(`postgres start after faults: ${(e as Error).message}`))
    for (const m of this.fleet.all()) {
      if (m.paused) m.pause(false)
    }
  }
}
