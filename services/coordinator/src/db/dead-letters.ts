import { sql, type RawBuilder } from 'kysely'
import { pgSafeText, type Db } from '@baton/shared'

/** A message that could not be accepted. */
export interface DeadLetter {
  subject: string
  msgId: string | null
  payload: string
  reason: string
}

/** Longest payload and reason kept: enough to diagnose, bounded in size. */
const MAX_PAYLOAD_CHARS = 65536
const MAX_REASON_CHARS = 2000

/**
 * The rows to write. A dead letter's text is the raw message and a reason quoting it, which no
 * parse edge has seen: it is made storable here (`pgSafeText`, after clipping, which may split a
 * surrogate pair), so a message holding a NUL is recorded instead of failing its batch.
 */
function rowsOf(letters: readonly DeadLetter[]): { subject: string; msg_id: string | null; payload: string; reason: string }[] {
  const rows = letters.map((l) => ({
    subject: pgSafeText(l.subject),
    msg_id: l.msgId === null ? null : pgSafeText(l.msgId),
    payload: pgSafeText(l.payload.slice(0, MAX_PAYLOAD_CHARS)),
    reason: pgSafeText(l.reason.slice(0, MAX_REASON_CHARS)),
  }))
  // One row per message of this batch (one statement cannot update a row twice): the same
  // message twice in a batch counts once here.
  const seen = new Set<string>()
  return rows.filter((r) => r.msg_id === null || (seen.has(`${r.subject}\u0000${r.msg_id}`) ? false : (seen.add(`${r.subject}\u0000${r.msg_id}`), true)))
}

/**
 * The statement recording dead letters, once per message: a message dead-lettered again (its
 * ack was lost, NATS redelivered it) counts up the existing row (`count`, `last_at`, latest
 * reason) instead of adding one. Messages without an id are each their own row.
 */
export function insertDeadLettersStatement(letters: readonly DeadLetter[]): RawBuilder<unknown> | undefined {
  if (letters.length === 0) return undefined
  return sql`
    INSERT INTO dead_letters (subject, msg_id, payload, reason)
    SELECT subject, msg_id, payload, reason FROM jsonb_to_recordset(${JSON.stringify(rowsOf(letters))}::jsonb) AS v(subject text, msg_id text, payload text, reason text)
    ON CONFLICT (subject, msg_id) WHERE msg_id IS NOT NULL
    DO UPDATE SET count = dead_letters.count + 1, last_at = now(), reason = excluded.reason`
}

/** Records dead letters outside a batch (see `insertDeadLettersStatement`). */
export async function insertDeadLetters(db: Db, letters: readonly DeadLetter[]): Promise<void> {
  const statement = insertDeadLettersStatement(letters)
  if (statement) await statement.execute(db)
}
