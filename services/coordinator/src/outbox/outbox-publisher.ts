import { encodeJson, publishJson, type Db, type JetStreamClient, type Logger, type NatsConnection } from '@baton/shared'
import { headers as natsHeaders } from '@nats-io/nats-core'
import { claimStaleOutbox, deleteOutbox, type OutboxMessage } from '../db/outbox.js'

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
    const ok = await Promise.all(rows.map((r) => this.send(r)))
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

  /** Re-publishes rows older than `olderThanMs` that no live path confirmed. Returns how many. */
  async relayStale(olderThanMs: number, limit = 500): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await claimStaleOutbox(trx, olderThanMs, limit)
      if (rows.length === 0) return 0
      const ok = await Promise.all(
        rows.map((r) => this.send({ transport: r.transport as OutboxMessage['transport'], subject: r.subject, msgId: r.msg_id, payload: r.payload, traceparent: r.traceparent })),
      )
      await deleteOutbox(trx, rows.filter((_r, i) => ok[i]).map((r) => Number(r.id)))
      return rows.length
    })
  }
}
