import { sql } from 'kysely'
import type { Db } from '@baton/shared'
import type { AttemptWrite } from '../lifecycle/types.js'

interface AttemptRow {
  run_id: string
  task_id: string
  attempt: number
  status: string
  worker_id: string | null
  started_at: string | null
  finished_at: string | null
  set_output: boolean
  output: unknown
  error: unknown
  details: unknown
}

/** Folds a batch's writes per attempt, in order: one row per attempt carrying the final state. */
function foldWrites(writes: readonly (AttemptWrite & { runId: string })[]): AttemptRow[] {
  const rows = new Map<string, AttemptRow>()
  for (const w of writes) {
    const key = `${w.runId}/${w.taskId}/${w.attempt}`
    const prev = rows.get(key)
    rows.set(key, {
      run_id: w.runId,
      task_id: w.taskId,
      attempt: w.attempt,
      status: w.status,
      worker_id: w.workerId ?? prev?.worker_id ?? null,
      started_at: w.status === 'running' ? w.at.toISOString() : (prev?.started_at ?? null),
      finished_at: w.status === 'running' ? null : w.at.toISOString(),
      set_output: 'output' in w || (prev?.set_output ?? false),
      output: 'output' in w ? (w.output ?? null) : (prev?.output ?? null),
      error: w.error ?? prev?.error ?? null,
      details: w.details ?? prev?.details ?? null,
    })
  }
  return [...rows.values()]
}

/** Inserts new attempts and updates existing ones (two statements at most). */
export async function writeAttempts(db: Db, writes: readonly (AttemptWrite & { runId: string })[]): Promise<void> {
  const inserts = writes.filter((w) => w.insert)
  const updates = foldWrites(writes.filter((w) => !w.insert))
  if (inserts.length > 0) {
    await db
      .insertInto('task_attempts')
      .values(inserts.map((w) => ({ run_id: w.runId, task_id: w.taskId, attempt: w.attempt, status: w.status, queued_at: w.at })))
      .onConflict((oc) => oc.columns(['run_id', 'task_id', 'attempt']).doNothing())
      .execute()
  }
  if (updates.length === 0) return
  await sql`
    UPDATE task_attempts a SET
      status = v.status,
      worker_id = COALESCE(v.worker_id, a.worker_id),
      started_at = COALESCE(v.started_at, a.started_at),
      finished_at = COALESCE(v.finished_at, a.finished_at),
      output = CASE WHEN v.set_output THEN v.output ELSE a.output END,
      error = COALESCE(v.error, a.error),
      details = COALESCE(v.details, a.details)
    FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS v(run_id uuid, task_id text, attempt int, status text, worker_id text,
      started_at timestamptz, finished_at timestamptz, set_output boolean, output jsonb, error jsonb, details jsonb)
    WHERE a.run_id = v.run_id AND a.task_id = v.task_id AND a.attempt = v.attempt
  `.execute(db)
}
