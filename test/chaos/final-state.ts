import type { ReadDb } from './read-db.js'

/**
 * Everything the checks read from the database once the run is quiet, in one read-only pass:
 * runs, task states, attempts, the whole history (in commit order: by id), outbox and timers,
 * landings, backfills and dead letters.
 */

/** A run row. */
export interface RunRow {
  id: string
  workflow: string
  idempotency_key: string
  partition: string | null
  status: string
  trigger: string
  tasks_total: number
  tasks_terminal: number
  params: { b?: Record<string, { fail?: number; pass?: boolean }>; sh_fail?: number } | null
  created_at: Date
  finished_at: Date | null
}
/** A task state row. */
export interface TaskRow {
  run_id: string
  task_id: string
  status: string
  attempt: number
  worker_id: string | null
}
/** A task attempt row. */
export interface AttemptRow {
  run_id: string
  task_id: string
  attempt: number
  status: string
  output: { exec?: string } | null
  error: { kind?: string; message?: string } | null
  started_at: Date | null
  finished_at: Date | null
}
/** A history row. */
export interface HistoryRow {
  id: number
  run_id: string
  task_id: string | null
  attempt: number | null
  kind: string
  from_status: string | null
  to_status: string | null
  event_id: string | null
  reason: string | null
  at: Date
}
/** A dead letter row. */
export interface DeadLetterRow {
  subject: string
  msg_id: string | null
  reason: string
  count: number
}

/** The database as the checks see it. */
export interface FinalState {
  runs: RunRow[]
  tasks: TaskRow[]
  attempts: AttemptRow[]
  history: HistoryRow[]
  deadLetters: DeadLetterRow[]
  outbox: number
  /** Timers whose run is finished or missing. */
  strayTimers: { kind: string; run_id: string; task_id: string; attempt: number; status: string | null }[]
  landings: { event_id: string; source: string; partition: string | null }[]
  backfills: { id: string; partitions: number; skipped: number }[]
}

/** Reads it all (the run is quiet by then, so separate reads agree). */
export async function readFinalState(db: ReadDb): Promise<FinalState> {
  const [runs, tasks, attempts, history, deadLetters, outbox, strayTimers, landings, backfills] = await Promise.all([
    db.query<RunRow>('SELECT id, workflow, idempotency_key, partition, status, trigger, tasks_total, tasks_terminal, params, created_at, finished_at FROM runs'),
    db.query<TaskRow>('SELECT run_id, task_id, status, attempt, worker_id FROM task_states'),
    db.query<AttemptRow>('SELECT run_id, task_id, attempt, status, output, error, started_at, finished_at FROM task_attempts'),
    db.query<HistoryRow>('SELECT id, run_id, task_id, attempt, kind, from_status, to_status, event_id, reason, at FROM history ORDER BY id'),
    db.query<DeadLetterRow>('SELECT subject, msg_id, reason, count FROM dead_letters'),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'),
    db.query<FinalState['strayTimers'][number]>(
      `SELECT t.kind, t.run_id, t.task_id, t.attempt, r.status FROM timers t LEFT JOIN runs r ON r.id = t.run_id
       WHERE r.id IS NULL OR r.status IN ('succeeded', 'failed', 'cancelled')`,
    ),
    db.query<FinalState['landings'][number]>('SELECT event_id, source, partition FROM source_landings'),
    db.query<FinalState['backfills'][number]>('SELECT id, partitions, skipped FROM backfills'),
  ])
  return { runs, tasks, attempts, history, deadLetters, outbox: outbox[0]?.n ?? -1, strayTimers, landings, backfills }
}
