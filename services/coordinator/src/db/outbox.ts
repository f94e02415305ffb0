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
 * Locks unpublished messages older than `olderThanMs` for the relay (SKIP LOCKED: several
 * coordinators share the work). The caller publishes and deletes them in the same transaction.
 */
export async function claimStaleOutbox(db: Db, olderThanMs: number, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where(sql<boolean>`created_at < now() - make_interval(secs => ${olderThanMs / 1000})`)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute()
}

/** Number of unpublished messages (a health signal). */
export async function outboxBacklog(db: Db): Promise<number> {
  const row = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
  return Number(row?.n ?? 0)
}
