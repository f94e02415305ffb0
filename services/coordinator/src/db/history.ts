import type { Db } from '@baton/shared'

/** One append-only history row: a transition, or an event that changed nothing. */
export interface HistoryEntry {
  runId: string
  taskId: string | null
  attempt: number | null
  kind: 'transition' | 'ignored' | 'run'
  from: string | null
  to: string | null
  eventId: string | null
  reason: string | null
  at: Date
}

/** Appends history rows in one statement. */
export async function appendHistory(db: Db, entries: readonly HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return
  await db
    .insertInto('history')
    .values(
      entries.map((e) => ({
        run_id: e.runId,
        task_id: e.taskId,
        attempt: e.attempt,
        kind: e.kind,
        from_status: e.from,
        to_status: e.to,
        event_id: e.eventId,
        reason: e.reason,
        at: e.at,
      })),
    )
    .execute()
}
