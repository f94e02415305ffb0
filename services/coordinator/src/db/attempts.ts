import { sql, type RawBuilder } from 'kysely'
import type { AttemptWrite } from '../lifecycle/types.js'

interface AttemptRow {
  run_id: string
  task_id: string
  attempt: number
  status: string
  worker_id: string | null
  queued_at: string | null
  started_at: string | null
  finished_at: string | null
  set_output: boolean
  output: unknown
  error: unknown
  details: unknown
}

/**
 * Folds a batch's writes per attempt, in order, into one row per attempt carrying the final
 * state: the batch's writes go out in a single statement, where two writes to one row could
 * not see each other.
 */
function foldWrites(writes: readonly (AttemptWrite & { runId: string })[]): { inserts: AttemptRow[]; updates: AttemptRow[] } {
  const rows = new Map<string, { row: AttemptRow; insert: boolean }>()
  for (const w of writes) {
    const key = `${w.runId}/${w.taskId}/${w.attempt}`
    const prev = rows.get(key)
    const row: AttemptRow = {
      run_id: w.runId,
      task_id: w.taskId,
      attempt: w.attempt,
      status: w.status,
      worker_id: w.workerId ?? prev?.row.worker_id ?? null,
      queued_at: w.insert ? w.at.toISOString() : (prev?.row.queued_at ?? null),
      started_at: w.status === 'running' ? w.at.toISOString() : (w.startedAt?.toISOString() ?? prev?.row.started_at ?? null),
      finished_at: w.status === 'running' || w.status === 'queued' ? null : w.at.toISOString(),
      set_output: 'output' in w || (prev?.row.set_output ?? false),
      output: 'output' in w ? (w.output ?? null) : (prev?.row.output ?? null),
      error: w.error ?? prev?.row.error ?? null,
      details: w.details ?? prev?.row.details ?? null,
    }
    rows.set(key, { row, insert: (w.insert ?? false) || (prev?.insert ?? false) })
  }
  const all = [...rows.values()]
  return { inserts: all.filter((r) => r.insert).map((r) => r.row), updates: all.filter((r) => !r.insert).map((r) => r.row) }
}

const COLUMNS = sql`run_id uuid, task_id text, attempt int, status text, worker_id text, queued_at timestamptz, started_at timestamptz,
  finished_at timestamptz, set_output boolean, output jsonb, error jsonb, details jsonb`

/** The statements inserting new attempts and updating existing ones (parts of the batch write). */
export function writeAttemptsStatements(writes: readonly (AttemptWrite & { runId: string })[]): RawBuilder<unknown>[] {
  const { inserts, updates } = foldWrites(writes)
  const out: RawBuilder<unknown>[] = []
  if (inserts.length > 0) {
    out.push(sql`
      INSERT INTO task_attempts (run_id, task_id, attempt, status, worker_id, queued_at, started_at, finished_at, output, error, details)
      SELECT run_id, task_id, attempt, status, worker_id, queued_at, started_at, finished_at, output, error, details
      FROM jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) AS v(${COLUMNS})
      ON CONFLICT (run_id, task_id, attempt) DO NOTHING`)
  }
  if (updates.length > 0) {
    out.push(sql`
      UPDATE task_attempts a SET
        status = v.status,
        worker_id = COALESCE(v.worker_id, a.worker_id),
        started_at = COALESCE(v.started_at, a.started_at),
        finished_at = COALESCE(v.finished_at, a.finished_at),
        output = CASE WHEN v.set_output THEN v.output ELSE a.output END,
        error = COALESCE(v.error, a.error),
        details = COALESCE(v.details, a.details)
      FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS v(${COLUMNS})
      WHERE a.run_id = v.run_id AND a.task_id = v.task_id AND a.attempt = v.attempt`)
  }
  return out
}
