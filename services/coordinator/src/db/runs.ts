import { sql, type RawBuilder } from 'kysely'
import { PREPARE, type Db, type RunRow, type RunStatus } from '@baton/shared'

/** A run to insert. */
export interface NewRun {
  id: string
  workflow: string
  versionHash: string
  idempotencyKey: string
  partition: string | null
  params: Record<string, unknown>
  trigger: string
  tasksTotal: number
  concurrencyKey: string | null
  concurrencyLimit: number | null
  backfillId: string | null
  scheduledFor: Date | null
  /** A child run: the parent attempt waiting for it. */
  parent?: { runId: string; taskId: string; attempt: number }
}

/** Inserts runs, skipping those whose (workflow, idempotency key) exists; returns the inserted ids. */
export async function insertRuns(db: Db, runs: readonly NewRun[]): Promise<Set<string>> {
  if (runs.length === 0) return new Set()
  const rows = await db
    .insertInto('runs')
    .values(
      runs.map((r) => ({
        id: r.id,
        workflow: r.workflow,
        version_hash: r.versionHash,
        idempotency_key: r.idempotencyKey,
        partition: r.partition,
        params: JSON.stringify(r.params),
        status: 'queued',
        trigger: r.trigger,
        tasks_total: r.tasksTotal,
        concurrency_key: r.concurrencyKey,
        concurrency_limit: r.concurrencyLimit,
        backfill_id: r.backfillId,
        scheduled_for: r.scheduledFor,
        ...(r.parent ? { parent_run_id: r.parent.runId, parent_task_id: r.parent.taskId, parent_attempt: r.parent.attempt } : {}),
      })),
    )
    .onConflict((oc) => oc.columns(['workflow', 'idempotency_key']).doNothing())
    .returning('id')
    .execute()
  return new Set(rows.map((r) => r.id))
}

/** Locks runs in id order (a stable order, so concurrent coordinators never deadlock). */
export async function lockRuns(db: Db, ids: readonly string[]): Promise<RunRow[]> {
  if (ids.length === 0) return []
  const r = await sql<RunRow>`${sql.raw(PREPARE)} SELECT * FROM runs WHERE id = ANY(${[...ids]}::uuid[]) ORDER BY id FOR UPDATE`.execute(db)
  return r.rows
}

/** Reads runs without locking them (an optimistic batch: its write checks their versions instead). */
export async function readRuns(db: Db, ids: readonly string[]): Promise<RunRow[]> {
  if (ids.length === 0) return []
  const r = await sql<RunRow>`${sql.raw(PREPARE)} SELECT * FROM runs WHERE id = ANY(${[...ids]}::uuid[])`.execute(db)
  return r.rows
}

/** A run's new counters and status. */
export interface RunUpdate {
  id: string
  /** The status the run had when the batch locked it: the update applies only if it still has it. */
  expectedStatus: RunStatus
  /** The version the batch read: the update applies only if it is unchanged (and bumps it). */
  expectedVersion: string
  status: RunStatus
  tasksTerminal: number
  tasksBad: number
  cancelReason: string | null
  startedAt?: Date
  finishedAt?: Date
  /** Reopened by an operator: the finish time is cleared. */
  clearFinished?: boolean
  /** Moved to another version of its workflow (retry from failure onto the current version). */
  versionHash?: string
}

/**
 * The statement writing several runs' new state (a part of the batch write). Each update carries
 * the status the run had when it was locked and applies only if the row still has it; the batch
 * compares the rows written with the updates given.
 */
export function updateRunsStatement(updates: readonly RunUpdate[]): RawBuilder<unknown> | undefined {
  if (updates.length === 0) return undefined
  const rows = JSON.stringify(
    updates.map((u) => ({
      id: u.id,
      expected_status: u.expectedStatus,
      expected_version: u.expectedVersion,
      status: u.status,
      tasks_terminal: u.tasksTerminal,
      tasks_bad: u.tasksBad,
      cancel_reason: u.cancelReason,
      started_at: u.startedAt?.toISOString() ?? null,
      finished_at: u.finishedAt?.toISOString() ?? null,
      clear_finished: u.clearFinished ?? false,
      version_hash: u.versionHash ?? null,
    })),
  )
  return sql`UPDATE runs r SET
      status = v.status,
      tasks_terminal = v.tasks_terminal,
      tasks_bad = v.tasks_bad,
      cancel_reason = v.cancel_reason,
      started_at = COALESCE(v.started_at, r.started_at),
      finished_at = CASE WHEN v.clear_finished THEN NULL ELSE COALESCE(v.finished_at, r.finished_at) END,
      version_hash = COALESCE(v.version_hash, r.version_hash),
      version = r.version + 1,
      updated_at = now()
    FROM jsonb_to_recordset(${rows}::jsonb) AS v(id uuid, expected_status text, expected_version bigint, status text, tasks_terminal int, tasks_bad int, cancel_reason text, started_at timestamptz, finished_at timestamptz, clear_finished boolean, version_hash text)
    -- Guarded: the batch's write statement fails unless every row matched (style rule 12).
    WHERE r.id = v.id AND r.status = v.expected_status AND r.version = v.expected_version
  `
}

/** Finds a run by (workflow, idempotency key). */
export async function findRunByKey(db: Db, workflow: string, key: string): Promise<RunRow | undefined> {
  return db.selectFrom('runs').selectAll().where('workflow', '=', workflow).where('idempotency_key', '=', key).executeTakeFirst()
}
