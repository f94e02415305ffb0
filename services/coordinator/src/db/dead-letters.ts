import { sql, type RawBuilder } from 'kysely'
import type { Db } from '@baton/shared'

/** A message that could not be accepted. */
export interface DeadLetter {
  subject: string
  msgId: string | null
  payload: string
  reason: string
}

/** Records dead letters (payload truncated to 64 KiB: enough to diagnose, bounded in size). */
export async function insertDeadLetters(db: Db, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return
  await db
    .insertInto('dead_letters')
    .values(letters.map((l) => ({ subject: l.subject, msg_id: l.msgId, payload: l.payload.slice(0, 65536), reason: l.reason.slice(0, 2000) })))
    .execute()
}

/** The statement recording dead letters (a part of the batch write). */
export function insertDeadLettersStatement(letters: readonly DeadLetter[]): RawBuilder<unknown> | undefined {
  if (letters.length === 0) return undefined
  const rows = letters.map((l) => ({ subject: l.subject, msg_id: l.msgId, payload: l.payload.slice(0, 65536), reason: l.reason.slice(0, 2000) }))
  return sql`
    INSERT INTO dead_letters (subject, msg_id, payload, reason)
    SELECT subject, msg_id, payload, reason FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(subject text, msg_id text, payload text, reason text)`
}
