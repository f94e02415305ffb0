import { sql } from 'kysely'
import type { Db } from '@baton/shared'

/** When one attempt was queued and started, and on which worker. */
export interface AttemptTimes {
  readonly queuedAt: Date
  readonly startedAt: Date | null
  readonly workerId: string | null
}

/**
 * Queue and start times of attempts, keyed `runId/taskId/attempt`: the attempt spans of a
 * batch need them for attempts queued in an earlier batch (read after commit, only while
 * tracing is on, so the apply path never pays for them).
 */
export async function loadAttemptTimes(db: Db, keys: readonly { runId: string; taskId: string; attempt: number }[]): Promise<Map<string, AttemptTimes>> {
  if (keys.length === 0) return new Map()
  const rows = await sql<{ run_id: string; task_id: string; attempt: number; queued_at: Date; started_at: Date | null; worker_id: string | null }>`
    SELECT a.run_id, a.task_id, a.attempt, a.queued_at, a.started_at, a.worker_id
    FROM unnest(${keys.map((k) => k.runId)}::uuid[], ${keys.map((k) => k.taskId)}::text[], ${keys.map((k) => k.attempt)}::int[]) AS k(run_id, task_id, attempt)
    JOIN task_attempts a ON a.run_id = k.run_id AND a.task_id = k.task_id AND a.attempt = k.attempt
  `.execute(db)
  return new Map(rows.rows.map((r) => [`${r.run_id}/${r.task_id}/${r.attempt}`, { queuedAt: r.queued_at, startedAt: r.started_at, workerId: r.worker_id }]))
}
