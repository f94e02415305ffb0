import { sql, type RawBuilder } from 'kysely'
import type { Db, OutboxRow } from '@baton/shared'

/** How an outbox message leaves: JetStream (durable, de-duplicated) or core NATS (best effort). */
export type OutboxTransport = 'jetstream' | 'core'

/** A message to commit with a transition and publish after commit. */
export interface OutboxMessage {
  transport: OutboxTransport
  subject: string
  msgId: string
  payload: unknown
  traceparent: string | null
}

/** The statement inserting outbox messages, returning `id` and `msg_id` (a part of the batch write). */
export function insertOutboxStatement(messages: readonly OutboxMessage[]): RawBuilder<unknown> | undefined {
  if (messages.length === 0) return undefined
  const rows = messages.map((m, ord) => ({ ord, transport: m.transport, subject: m.subject, msg_id: m.msgId, payload: m.payload, traceparent: m.traceparent }))
  return sql`
    INSERT INTO outbox (transport, subject, msg_id, payload, traceparent)
    SELECT transport, subject, msg_id, payload, traceparent
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(ord int, transport text, subject text, msg_id text, payload jsonb, traceparent text)
    ORDER BY ord
    RETURNING id, msg_id`
}

/** Deletes published messages. */
export async function deleteOutbox(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return
  await db.deleteFrom('outbox').where('id', '=', sql<string>`ANY(${[...ids]}::bigint[])`).execute()
}

/**
 * Claims unpublished messages older than `olderThanMs` that no relay holds (never leased, or the
 * lease ran out) by writing `relay_leased_until = now() + leaseMs`, and returns them in id order.
 * One statement, so the claim commits at once and the caller publishes outside any transaction;
 * `FOR UPDATE SKIP LOCKED` lets the claims of several coordinators pass each other. Ages and
 * leases use the database clock, as `created_at` does.
 */
export async function claimStaleOutbox(db: Db, olderThanMs: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const claimed = await sql<OutboxRow>`
    UPDATE outbox o SET relay_leased_until = now() + make_interval(secs => ${leaseMs / 1000})
    FROM (
      SELECT id FROM outbox
      WHERE created_at < now() - make_interval(secs => ${olderThanMs / 1000})
        AND (relay_leased_until IS NULL OR relay_leased_until <= now())
      ORDER BY id LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE o.id = due.id
    RETURNING o.*`.execute(db)
  return claimed.rows.sort((a, b) => Number(a.id) - Number(b.id))
}

/** Frees the relay lease of messages that could not be published, so the next relay tick retries them. */
export async function releaseOutboxLeases(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return
  await db.updateTable('outbox').set({ relay_leased_until: null }).where('id', '=', sql<string>`ANY(${[...ids]}::bigint[])`).execute()
}

/** The outbox as a health signal: unpublished rows, and the age of the oldest (0 when empty). */
export interface OutboxBacklog {
  readonly rows: number
  readonly oldestSeconds: number
}

/**
 * Counts unpublished messages and ages the oldest, in one scan of a table that is small when
 * healthy. The age is measured by the database's clock, which stamped `created_at`, so a
 * coordinator's clock skew does not show as age.
 */
export async function outboxBacklog(db: Db): Promise<OutboxBacklog> {
  const r = await sql<{ n: number; oldest: number | null }>`
    SELECT count(*)::int AS n, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest FROM outbox`.execute(db)
  const row = r.rows[0]
  return { rows: Number(row?.n ?? 0), oldestSeconds: Math.max(0, Number(row?.oldest ?? 0)) }
}
