import { sql, type RawBuilder } from 'kysely'
import { PREPARE, type Db, type RunRow, type TaskError, type TaskStatus } from '@baton/shared'
import type { TaskView } from '../lifecycle/types.js'

/** Inserts the `pending` rows of new runs' tasks in one statement. */
export async function insertPendingTasks(db: Db, rows: readonly { runId: string; taskId: string; queue: string; nUpstream: number }[]): Promise<void> {
  if (rows.length === 0) return
  await sql`
    INSERT INTO task_states (run_id, task_id, status, queue, n_upstream)
    SELECT v.run_id, v.task_id, 'pending', v.queue, v.n_upstream
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ run_id: r.runId, task_id: r.taskId, queue: r.queue, n_upstream: r.nUpstream })))}::jsonb)
      AS v(run_id uuid, task_id text, queue text, n_upstream int)
  `.execute(db)
}

/** When the row's current attempt was queued and started, as stored before a batch (for timings). */
export interface StoredTaskTimes {
  readonly queuedAt: Date | null
  readonly startedAt: Date | null
}

/** The task_states columns a task view is made of. */
interface TaskViewRow {
  run_id: string
  task_id: string
  status: TaskStatus
  attempt: number
  attempt_base: number
  n_upstream: number
  n_succeeded: number
  n_failed: number
  n_skipped: number
  worker_id: string | null
  queued_at: Date | null
  started_at: Date | null
  map_total: number | null
  map_succeeded: number
  map_failed: number
}

function taskViewOf(r: TaskViewRow): LoadedTaskView {
  return {
    runId: r.run_id,
    taskId: r.task_id,
    status: r.status,
    attempt: r.attempt,
    attemptBase: r.attempt_base,
    nUpstream: r.n_upstream,
    nSucceeded: r.n_succeeded,
    nFailed: r.n_failed,
    nSkipped: r.n_skipped,
    workerId: r.worker_id,
    mapTotal: r.map_total,
    mapSucceeded: r.map_succeeded,
    mapFailed: r.map_failed,
    stored: { queuedAt: r.queued_at, startedAt: r.started_at },
  }
}

/** Loads task views: `all` tasks of some runs, and specific (run, task) pairs. */
export async function loadTaskViews(
  db: Db,
  allOf: readonly string[],
  pairs: readonly { runId: string; taskId: string }[],
): Promise<LoadedTaskView[]> {
  if (allOf.length === 0 && pairs.length === 0) return []
  const rows = await sql<TaskViewRow>`${sql.raw(PREPARE)}
    SELECT t.run_id, t.task_id, t.status, t.attempt, t.attempt_base, t.n_upstream, t.n_succeeded, t.n_failed, t.n_skipped, t.worker_id, t.queued_at, t.started_at, t.map_total, t.map_succeeded, t.map_failed
    -- A run's own tasks: a mapped task's instances (up to 100,000) are never loaded all at once.
    FROM task_states t WHERE t.run_id = ANY(${[...allOf]}::uuid[]) AND t.map_of IS NULL
    UNION ALL
    -- A join on the primary key (an OR with the clause above would make the planner scan).
    SELECT t.run_id, t.task_id, t.status, t.attempt, t.attempt_base, t.n_upstream, t.n_succeeded, t.n_failed, t.n_skipped, t.worker_id, t.queued_at, t.started_at, t.map_total, t.map_succeeded, t.map_failed
    FROM unnest(${pairs.map((p) => p.runId)}::uuid[], ${pairs.map((p) => p.taskId)}::text[]) AS p(run_id, task_id)
    JOIN task_states t ON t.run_id = p.run_id AND t.task_id = p.task_id
  `.execute(db)
  return rows.rows.map(taskViewOf)
}

/** A loaded task view, with the run it belongs to and its stored times. */
export type LoadedTaskView = TaskView & { runId: string; stored: StoredTaskTimes }

/**
 * Reads runs and some of their task rows in ONE statement, without locking (an optimistic
 * batch: its write checks the runs' versions). Each run row carries its requested task rows as
 * JSON (their times as text).
 */
export async function readRunsWithTasks(db: Db, runIds: readonly string[], pairs: readonly { runId: string; taskId: string }[]): Promise<{ runs: RunRow[]; tasks: LoadedTaskView[] }> {
  if (runIds.length === 0) return { runs: [], tasks: [] }
  type JsonRow = Omit<TaskViewRow, 'queued_at' | 'started_at'> & { queued_at: string | null; started_at: string | null }
  const rows = await sql<RunRow & { __tasks: JsonRow[] | null }>`${sql.raw(PREPARE)}
    SELECT r.*, (
      SELECT jsonb_agg(jsonb_build_object('run_id', t.run_id, 'task_id', t.task_id, 'status', t.status, 'attempt', t.attempt, 'attempt_base', t.attempt_base,
        'n_upstream', t.n_upstream, 'n_succeeded', t.n_succeeded, 'n_failed', t.n_failed, 'n_skipped', t.n_skipped, 'worker_id', t.worker_id,
        'queued_at', t.queued_at, 'started_at', t.started_at, 'map_total', t.map_total, 'map_succeeded', t.map_succeeded, 'map_failed', t.map_failed))
      FROM unnest(${pairs.map((p) => p.runId)}::uuid[], ${pairs.map((p) => p.taskId)}::text[]) AS p(run_id, task_id)
      JOIN task_states t ON t.run_id = p.run_id AND t.task_id = p.task_id
      WHERE p.run_id = r.id
    ) AS __tasks
    FROM runs r WHERE r.id = ANY(${[...runIds]}::uuid[])
  `.execute(db)
  const date = (t: string | null) => (t === null ? null : new Date(t))
  const tasks = rows.rows.flatMap((r) => (r.__tasks ?? []).map((t) => taskViewOf({ ...t, queued_at: date(t.queued_at), started_at: date(t.started_at) })))
  return { runs: rows.rows.map(({ __tasks: _t, ...run }) => run as RunRow), tasks }
}

/** Outputs of (run, task) pairs, for building downstream commands' inputs. */
export async function loadOutputs(db: Db, pairs: readonly { runId: string; taskId: string }[]): Promise<Map<string, unknown>> {
  if (pairs.length === 0) return new Map()
  const rows = await sql<{ run_id: string; task_id: string; output: unknown }>`${sql.raw(PREPARE)}
    SELECT t.run_id, t.task_id, t.output
    FROM unnest(${pairs.map((p) => p.runId)}::uuid[], ${pairs.map((p) => p.taskId)}::text[]) AS p(run_id, task_id)
    JOIN task_states t ON t.run_id = p.run_id AND t.task_id = p.task_id
  `.execute(db)
  return new Map(rows.rows.map((r) => [`${r.run_id}/${r.task_id}`, r.output]))
}

/** The new state of one task row; optional columns are written only when present. */
export interface TaskRowUpdate extends TaskView {
  runId: string
  /** Status and attempt as loaded under the run lock: the update applies only if the row still has them. */
  expected: { status: TaskStatus; attempt: number }
  output?: unknown
  error?: TaskError | null
  queuedAt?: Date
  startedAt?: Date
  finishedAt?: Date
  /** Reopened by an operator: queued/started/finished times are replaced, not kept when absent. */
  reopened?: boolean
}

/**
 * The statement writing several tasks' new state (a part of the batch write). Each update
 * carries the status and attempt the row had when the batch loaded it under the run lock, and
 * applies only if the row still has them: Postgres itself enforces what the lock implies, and
 * the batch compares the rows written with the updates given.
 */
export function updateTasksStatement(updates: readonly TaskRowUpdate[]): RawBuilder<unknown> | undefined {
  if (updates.length === 0) return undefined
  const rows = JSON.stringify(
    updates.map((u) => ({
      run_id: u.runId,
      task_id: u.taskId,
      expected_status: u.expected.status,
      expected_attempt: u.expected.attempt,
      status: u.status,
      attempt: u.attempt,
      attempt_base: u.attemptBase,
      n_succeeded: u.nSucceeded,
      n_failed: u.nFailed,
      n_skipped: u.nSkipped,
      worker_id: u.workerId,
      map_total: u.mapTotal ?? null,
      map_succeeded: u.mapSucceeded ?? 0,
      map_failed: u.mapFailed ?? 0,
      set_output: 'output' in u,
      output: u.output ?? null,
      set_error: 'error' in u,
      error: u.error ?? null,
      queued_at: u.queuedAt?.toISOString() ?? null,
      started_at: u.startedAt?.toISOString() ?? null,
      finished_at: u.finishedAt?.toISOString() ?? null,
      reopened: u.reopened ?? false,
    })),
  )
  return sql`
    UPDATE task_states t SET
      status = v.status,
      attempt = v.attempt,
      attempt_base = v.attempt_base,
      n_succeeded = v.n_succeeded,
      n_failed = v.n_failed,
      n_skipped = v.n_skipped,
      n_done = v.n_succeeded + v.n_failed + v.n_skipped,
      worker_id = v.worker_id,
      map_total = v.map_total,
      map_succeeded = v.map_succeeded,
      map_failed = v.map_failed,
      output = CASE WHEN v.set_output THEN v.output ELSE t.output END,
      error = CASE WHEN v.set_error THEN v.error ELSE t.error END,
      queued_at = CASE WHEN v.reopened THEN v.queued_at ELSE COALESCE(v.queued_at, t.queued_at) END,
      started_at = CASE WHEN v.reopened THEN v.started_at ELSE COALESCE(v.started_at, t.started_at) END,
      finished_at = CASE WHEN v.reopened THEN v.finished_at ELSE COALESCE(v.finished_at, t.finished_at) END,
      updated_at = now()
    FROM jsonb_to_recordset(${rows}::jsonb) AS v(
      run_id uuid, task_id text, expected_status text, expected_attempt int, status text, attempt int, attempt_base int, n_succeeded int, n_failed int, n_skipped int, worker_id text,
      map_total int, map_succeeded int, map_failed int, set_output boolean, output jsonb, set_error boolean, error jsonb, queued_at timestamptz, started_at timestamptz, finished_at timestamptz, reopened boolean)
    -- Guarded: the caller checks that every row matched (style rule 12).
    WHERE t.run_id = v.run_id AND t.task_id = v.task_id AND t.status = v.expected_status AND t.attempt = v.expected_attempt
  `
}

/** A task's current attempt, status and worker as committed (what an attempt-owner query answers). */
export async function taskOwner(db: Db, runId: string, taskId: string): Promise<{ attempt: number; status: TaskStatus; workerId: string | null } | undefined> {
  const row = await db.selectFrom('task_states').select(['attempt', 'status', 'worker_id']).where('run_id', '=', runId).where('task_id', '=', taskId).executeTakeFirst()
  return row ? { attempt: row.attempt, status: row.status as TaskStatus, workerId: row.worker_id } : undefined
}
