import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Operator actions (docs/operations.md, "Operator actions"):
 * - `task_states.attempt_base`: the attempts a task had before an operator reopened it (retry from
 *   failure, clear). Its retry budget counts from there: a cleared task gets its full retries again.
 * - who paused a workflow, when and why (`workflows.paused` exists since 0001).
 * - readiness `held`: every source landed while the workflow was paused; unpause decides.
 * - `runs (created_at DESC, id DESC)`: the API's run list order and cursor, without a sort of
 *   every run when no filter narrows it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE task_states ADD COLUMN attempt_base integer NOT NULL DEFAULT 0;
    ALTER TABLE workflows ADD COLUMN paused_at timestamptz, ADD COLUMN paused_by text, ADD COLUMN pause_reason text;
    CREATE INDEX runs_created ON runs (created_at DESC, id DESC);
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
