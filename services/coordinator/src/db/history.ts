import { sql, type RawBuilder } from 'kysely'

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

/** The statement appending history rows (a part of the batch write). */
export function appendHistoryStatement(entries: readonly HistoryEntry[]): RawBuilder<unknown> | undefined {
  if (entries.length === 0) return undefined
  const rows = entries.map((e, ord) => ({
    ord,
    run_id: e.runId,
    task_id: e.taskId,
    attempt: e.attempt,
    kind: e.kind,
    from_status: e.from,
    to_status: e.to,
    event_id: e.eventId,
    reason: e.reason,
    at: e.at.toISOString(),
  }))
  return sql`
    INSERT INTO history (run_id, task_id, attempt, kind, from_status, to_status, event_id, reason, at)
    SELECT run_id, task_id, attempt, kind, from_status, to_status, event_id, reason, at
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(ord int, run_id uuid, task_id text, attempt int, kind text,
      from_status text, to_status text, event_id text, reason text, at timestamptz)
    ORDER BY ord`
}
