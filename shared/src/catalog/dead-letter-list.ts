import type { Db } from '../db/connect.js'

/** A message the coordinator could not apply, kept with the reason instead of retried forever. */
export interface DeadLetterView {
  id: string
  subject: string
  msgId: string | null
  reason: string
  receivedAt: string
  /** How many times this message (subject, id) was refused: a redelivered one counts up. */
  count: number
  /** The latest time it was refused. */
  lastAt: string
  /** The message as received (clipped to `payloadChars`). */
  payload: string
}

/** Which dead letters `listDeadLetters` returns. */
export interface DeadLetterFilter {
  since?: Date
  limit?: number
  /** Longest payload text returned (default 2000 characters). */
  payloadChars?: number
}

/** Dead letters, newest first. */
export async function listDeadLetters(db: Db, filter: DeadLetterFilter = {}): Promise<DeadLetterView[]> {
  let q = db.selectFrom('dead_letters').selectAll().orderBy('last_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100)
  if (filter.since) q = q.where('last_at', '>=', filter.since)
  const max = filter.payloadChars ?? 2000
  return (await q.execute()).map((d) => ({
    id: String(d.id),
    subject: d.subject,
    msgId: d.msg_id,
    reason: d.reason,
    receivedAt: new Date(d.received_at).toISOString(),
    count: d.count,
    lastAt: new Date(d.last_at).toISOString(),
    payload: d.payload.length > max ? `${d.payload.slice(0, max - 1)}…` : d.payload,
  }))
}
