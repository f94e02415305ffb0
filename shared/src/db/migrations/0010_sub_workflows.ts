import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Sub-workflows (docs/architecture.md, "Sub-workflows"): a child run records the parent run,
 * task and attempt that started it, so its end reaches the parent and the parent's end (a cancel,
 * a timeout) reaches it. And `workflow_deployments`: who made which version current, when
 * (`baton workflows history`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE runs ADD COLUMN parent_run_id uuid, ADD COLUMN parent_task_id text, ADD COLUMN parent_attempt integer;
    CREATE INDEX runs_parent ON runs (parent_run_id, parent_task_id, parent_attempt) WHERE parent_run_id IS NOT NULL;
    CREATE TABLE workflow_deployments (
      id          bigserial PRIMARY KEY,
      workflow    text NOT NULL,
      hash        text NOT NULL REFERENCES workflow_versions (hash),
      deployed_by text NOT NULL,
      deployed_at timestamptz NOT NULL DEFAULT now(),
      restored    boolean NOT NULL DEFAULT false
    );
    CREATE INDEX workflow_deployments_workflow ON workflow_deployments (workflow, id DESC);
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
