import type { JetStreamClient, NatsConnection, PubAck, Subjects } from '@baton/shared'
import type { Action, PlannedJunk } from './plan.js'
import type { Prng } from './prng.js'
import { makeJunk, type JunkClass, type JunkExpectation, type JunkTargets, type SeenTaskEvent } from './junk.js'
import { TERMINAL_RUN, type ReadDb } from './read-db.js'

/**
 * Carries out the plan's workload and junk actions at their times: run requests, duplicates of
 * them, cancellations, source landings, backfills (published on NATS as any system would, each
 * under its planned Nats-Msg-Id and retried until JetStream acknowledges it — a retry of a
 * publish whose ack was lost is de-duplicated), and junk. Records what was published, for the
 * checks.
 */

/** A workload message the harness published (valid: it must never be dead-lettered). */
export interface PublishedMessage {
  readonly kind: 'request' | 'cancel' | 'landing' | 'backfill'
  readonly subject: string
  readonly msgId: string
  /** When it was first tried and when JetStream acknowledged it (undefined: never). */
  readonly firstTry: number
  ackedAt?: number
  error?: string
}

/** A junk message as published. */
export interface JunkRecord {
  readonly junk: JunkClass
  readonly n: number
  readonly subject: string
  readonly msgId: string | null
  readonly expect: JunkExpectation
  readonly eventId?: string
  readonly bytes: number
  publishedAt?: number
  outcome: 'acked' | 'duplicate' | 'refused' | 'published' | 'failed' | 'skipped'
  error?: string
}

const enc = new TextEncoder()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)))
/** How long a workload publish is retried before the harness gives up (and the check fails). */
const PUBLISH_RETRY_MS = 240_000

/** Runs the workload; `run` resolves once every action has been carried out. */
export class Workload {
  readonly published: PublishedMessage[] = []
  readonly junk: JunkRecord[] = []
  /** Cancellations published, by request key: when. */
  readonly cancelledAt = new Map<string, number>()
  private readonly pending = new Set<Promise<void>>()

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly s: Subjects,
    private readonly db: ReadDb,
    private readonly junkPrng: Prng,
    private readonly targets: JunkTargets,
    private readonly log: (m: string) => void,
    /** Told every junk message id before it is published. */
    private readonly ownIds: Set<string>,
  ) {}

  /** Publishes to JetStream under `msgId`, retrying until acknowledged (or PUBLISH_RETRY_MS). */
  async publishReliably(subject: string, msgId: string, data: Uint8Array): Promise<PubAck> {
    const deadline = Date.now() + PUBLISH_RETRY_MS
    for (;;) {
      try {
        return await this.js.publish(subject, data, { msgID: msgId, timeout: 4000 })
      } catch (e) {
        if (Date.now() > deadline) throw e
        await sleep(500)
      }
    }
  }

  /** Carries out `actions` (sorted by time) relative to `t0`. */
  async run(actions: readonly Action[], t0: number): Promise<void> {
    for (const a of actions) {
      await sleep(t0 + a.at - Date.now())
      const p = this.carryOut(a).catch((e: unknown) => this.log(`workload action ${a.kind} failed: ${(e as Error).message}`))
      this.pending.add(p)
      void p.finally(() => this.pending.delete(p))
    }
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  private async reliable(kind: PublishedMessage['kind'], subject: string, msgId: string, body: unknown): Promise<void> {
    const rec: PublishedMessage = { kind, subject, msgId, firstTry: Date.now() }
    this.published.push(rec)
    try {
      await this.publishReliably(subject, msgId, enc.encode(JSON.stringify(body)))
      rec.ackedAt = Date.now()
    } catch (e) {
      rec.error = (e as Error).message
    }
  }

  private async carryOut(a: Action): Promise<void> {
    const s = this.s
    switch (a.kind) {
      case 'request':
        return this.reliable('request', s.runRequested, a.msgId, { id: a.msgId, workflow: a.workflow, idempotencyKey: a.key, params: a.params, trigger: 'api' })
      case 'landing':
        return this.reliable('landing', s.source(a.source), a.msgId, { id: a.eventId, source: a.source, partition: a.partition })
      case 'backfill': {
        const body = { id: a.id, workflow: a.workflow, from: a.partitions[0], to: a.partitions[a.partitions.length - 1], concurrency: a.concurrency, rerun: 'missing' }
        return this.reliable('backfill', s.backfillRequested, a.id, body)
      }
      case 'cancel': {
        const runId = await this.runIdOf(a.workflow, a.key)
        if (!runId) {
          this.published.push({ kind: 'cancel', subject: s.runCancelRequested, msgId: a.msgId, firstTry: Date.now(), error: `run ${a.key} never appeared` })
          return
        }
        await this.reliable('cancel', s.runCancelRequested, a.msgId, { id: a.msgId, runId, reason: 'chaos: planned cancellation' })
        this.cancelledAt.set(a.key, Date.now())
        return
      }
      case 'junk':
        return this.publishJunk(a)
      case 'fault':
        return
    }
  }

  /** The run id of a request key, once a coordinator created it (polled; Postgres may be down). */
  private async runIdOf(workflow: string, key: string): Promise<string | undefined> {
    const deadline = Date.now() + PUBLISH_RETRY_MS
    while (Date.now() < deadline) {
      try {
        const rows = await this.db.query<{ id: string }>('SELECT id FROM runs WHERE workflow = $1 AND idempotency_key = $2', [workflow, key])
        if (rows[0]) return rows[0].id
      } catch {
        // Postgres restarting: ask again.
      }
      await sleep(500)
    }
    return undefined
  }

  private async publishJunk(a: PlannedJunk): Promise<void> {
    const r = this.junkPrng.fork(`junk-${a.n}`)
    let messages = await makeJunk(a.junk, r, this.s, this.targets).catch(() => undefined)
    // Junk aimed at live state waits (a little) for a target to exist.
    for (let i = 0; !messages && i < 10; i++) {
      await sleep(2000)
      messages = await makeJunk(a.junk, r, this.s, this.targets).catch(() => undefined)
    }
    if (!messages) {
      this.junk.push({ junk: a.junk, n: a.n, subject: '', msgId: null, expect: 'none', bytes: 0, outcome: 'skipped', error: 'no target' })
      return
    }
    for (const m of messages) {
      const rec: JunkRecord = { junk: m.junk, n: a.n, subject: m.subject, msgId: m.msgId, expect: m.expect, bytes: m.data.length, outcome: 'failed', ...(m.eventId ? { eventId: m.eventId } : {}) }
      this.junk.push(rec)
      if (m.msgId) this.ownIds.add(m.msgId)
      rec.publishedAt = Date.now()
      try {
        if (m.transport === 'core') {
          this.nc.publish(m.subject, m.data)
          rec.outcome = 'published'
        } else if (m.expect === 'refused') {
          // While NATS is down the client buffers the publish and it times out before the size
          // check can refuse it: that says nothing, so try again (a while) once NATS is back.
          for (let tries = 1; ; tries++) {
            try {
              await this.js.publish(m.subject, m.data, { msgID: m.msgId!, timeout: 4000 })
              rec.outcome = 'acked'
            } catch (e) {
              rec.outcome = /max_payload|maximum|too large|exceed/i.test((e as Error).message) ? 'refused' : 'failed'
              rec.error = (e as Error).message
            }
            if (rec.outcome !== 'failed' || tries >= 10) break
            await sleep(2000)
          }
        } else {
          const ack = await this.publishReliably(m.subject, m.msgId!, m.data)
          rec.outcome = ack.duplicate ? 'duplicate' : 'acked'
        }
      } catch (e) {
        rec.error = (e as Error).message
      }
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Task events seen on the wire, by run (bounded), for the replay junk. */
export class EventCapture {
  private readonly byRun = new Map<string, SeenTaskEvent[]>()
  /** Message ids the harness published itself (junk): not real events. */
  readonly ownIds = new Set<string>()

  /** Subscribes to every task event of the namespace (core NATS: sees what JetStream stores). */
  start(nc: NatsConnection, s: Subjects): void {
    const dec = new TextDecoder()
    nc.subscribe(`${s.task('')}*`, {
      callback: (err, msg) => {
        if (err) return
        try {
          const body = JSON.parse(dec.decode(msg.data)) as Record<string, unknown>
          const runId = String(body.runId)
          const msgId = msg.headers?.get('Nats-Msg-Id') || String(body.id)
          if (!UUID.test(runId) || body.workerId === 'chaos-junk' || this.ownIds.has(msgId)) return
          const list = this.byRun.get(runId) ?? []
          if (list.length < 100) list.push({ subject: msg.subject, msgId, body, at: Date.now() })
          this.byRun.set(runId, list)
          if (this.byRun.size > 1500) this.byRun.delete(this.byRun.keys().next().value!)
        } catch {
          // Our own junk: not a real event.
        }
      },
    })
  }

  /** Junk targets from the capture and the database (read-only). */
  targets(db: ReadDb): JunkTargets {
    const sorted = (ids: Iterable<string>): string[] => [...ids].sort()
    return {
      finishedRunEvents: async (r) => {
        const ids = sorted(this.byRun.keys()).slice(-400)
        const done = await db.query<{ id: string }>(`SELECT id FROM runs WHERE id = ANY($1::uuid[]) AND status = ANY($2) ORDER BY id`, [ids, TERMINAL_RUN])
        if (done.length === 0) return undefined
        const events = this.byRun.get(r.pick(done).id) ?? []
        return events.filter((e) => e.body.workerId !== 'chaos-junk').slice(-30)
      },
      appliedRecentEvent: async (r) => {
        const recent = [...this.byRun.values()].flat().filter((e) => Date.now() - e.at < 5 * 60_000 && (e.body.type === 'succeeded' || e.body.type === 'failed') && e.body.workerId !== 'chaos-junk')
        if (recent.length === 0) return undefined
        const applied = await db.query<{ event_id: string }>(`SELECT DISTINCT event_id FROM history WHERE kind = 'transition' AND event_id = ANY($1) ORDER BY event_id`, [recent.map((e) => String(e.body.id))])
        if (applied.length === 0) return undefined
        const id = r.pick(applied).event_id
        return recent.find((e) => String(e.body.id) === id)
      },
      liveTask: async (r) => {
        const rows = await db.query<{ run_id: string; task_id: string }>(
          `SELECT ts.run_id, ts.task_id FROM task_states ts JOIN runs ru ON ru.id = ts.run_id WHERE ru.status = 'running' ORDER BY ts.run_id, ts.task_id LIMIT 300`,
        )
        if (rows.length === 0) return undefined
        const t = r.pick(rows)
        return { runId: t.run_id, taskId: t.task_id }
      },
      cancelledTask: async (r) => {
        const rows = await db.query<{ run_id: string; task_id: string; attempt: number }>(
          `SELECT ts.run_id, ts.task_id, ts.attempt FROM task_states ts JOIN runs ru ON ru.id = ts.run_id WHERE ru.status = 'cancelled' ORDER BY ts.run_id, ts.task_id LIMIT 300`,
        )
        if (rows.length === 0) return undefined
        const t = r.pick(rows)
        return { runId: t.run_id, taskId: t.task_id, attempt: t.attempt }
      },
    }
  }
}
