import { CrashPoint, crashPoint, encodeJson, publishJson, type Db, type JetStreamClient, type Logger, type NatsConnection } from '@baton/shared'
import { headers as natsHeaders } from '@nats-io/nats-core'
import { claimStaleOutbox, deleteOutbox, releaseOutboxLeases, type OutboxMessage } from '../db/outbox.js'

/**
 * How long rows claimed by the relay are its alone. A relay tick publishes its rows concurrently,
 * each JetStream publish waiting at most 5 s for its PubAck (`publishJson`), then deletes them:
 * about 5 s plus two short statements. 15 s is three times that. Running out only costs a second
 * publish (JetStream drops the duplicate `Nats-Msg-Id`; a core abort notice twice aborts nothing
 * more); a long lease costs delay, since a relay that dies holding one leaves its rows unsent
 * until it runs out.
 */
export const RELAY_LEASE_MS = 15_000

/**
 * Publishes committed outbox messages. The live path publishes right after commit (low
 * hand-off latency) and deletes the rows in the background; `relayStale` re-publishes rows a
 * crash left behind. Publishing twice is harmless: the `Nats-Msg-Id` is stable, JetStream
 * drops the duplicate, and attempt fencing ignores a late one.
 */
export class OutboxPublisher {
  #sent: number[] = []
  #flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Db,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly log: Logger,
  ) {}

  /** Sends one message; resolves false when it could not be sent (it stays in the outbox). */
  async send(m: Pick<OutboxMessage, 'transport' | 'subject' | 'msgId' | 'payload' | 'traceparent'>): Promise<boolean> {
    try {
      if (m.transport === 'core') {
        const h = natsHeaders()
        h.set('Nats-Msg-Id', m.msgId)
        if (m.traceparent) h.set('traceparent', m.traceparent)
        this.nc.publish(m.subject, encodeJson(m.payload), { headers: h })
      } else {
        await publishJson(this.js, m.subject, m.msgId, m.payload, m.traceparent ?? undefined)
      }
      return true
    } catch (e) {
      this.log.warn({ err: e, subject: m.subject, msgId: m.msgId }, 'outbox publish failed; the relay will retry')
      return false
    }
  }

  /** Publishes freshly committed rows and schedules their deletion. */
  async publish(rows: readonly (OutboxMessage & { id: number })[]): Promise<void> {
    if (rows.length === 0) return
    // The first message confirmed while others are still in flight: "between two messages".
    const between = rows.length > 1 ? () => crashPoint(CrashPoint.outboxBetweenMessages) : () => {}
    const ok = await Promise.all(rows.map((r) => this.send(r).then((sent) => (sent && between(), sent))))
    rows.forEach((r, i) => {
      if (ok[i]) this.#sent.push(r.id)
    })
  }

  /** Deletes published rows (called periodically; a crash before it only causes a harmless re-publish). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#sent.length === 0) return
      const ids = this.#sent
      this.#sent = []
      try {
        await deleteOutbox(this.db, ids)
      } catch (e) {
        this.#sent.push(...ids)
        this.log.warn({ err: e }, 'outbox cleanup failed; will retry')
      }
    })
    return this.#flushing
  }

  /**
   * Re-publishes rows older than `olderThanMs` that no live path confirmed. Claim → publish →
   * delete: a short statement leases the rows (RELAY_LEASE_MS), the publishes wait on NATS
   * outside any transaction, and the published rows are deleted after; those that could not be
   * published are released for the next tick. A row published twice — its lease ran out while it
   * was in flight, or a crash before the delete — is harmless: JetStream drops the duplicate
   * `Nats-Msg-Id`. Returns how many rows were claimed.
   */
  async relayStale(olderThanMs: number, limit = 500, leaseMs = RELAY_LEASE_MS): Promise<number> {
    const rows = await claimStaleOutbox(this.db, olderThanMs, limit, leaseMs)
    if (rows.length === 0) return 0
    const ok = await Promise.all(
      rows.map((r) => this.send({ transport: r.transport as OutboxMessage['transport'], subject: r.subject, msgId: r.msg_id, payload: r.payload, traceparent: r.traceparent })),
    )
    await deleteOutbox(this.db, rows.filter((_r, i) => ok[i]).map((r) => Number(r.id)))
    await releaseOutboxLeases(this.db, rows.filter((_r, i) => !ok[i]).map((r) => Number(r.id)))
    return rows.length
  }
}
