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
