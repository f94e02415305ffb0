import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Pools, task concurrency and priorities (docs/architecture.md, "Slots and pools"):
 * - `pools`: named slot budgets shared by every workflow; `fair_share` splits a full pool
 *   between owners by `weights` (owner → weight, default 1).
 * - `task_slot_waits`: one row per (attempt, slot group) a queued attempt waits for: a pool
 *   (`pool:<name>`) or its task's concurrency across runs (`task:<workflow>/<task>`, `lim`).
 * - `task_slot_holds`: one row per (attempt, group) holding slots. Inserted only by admission
 *   under the group's advisory lock, deleted in the transaction that moves the attempt out of
 *   queued/running — so a group's holds never exceed its limit and are released exactly once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE pools (
      name        text PRIMARY KEY,
      slots       integer NOT NULL CHECK (slots > 0),
      fair_share  boolean NOT NULL DEFAULT false,
      weights     jsonb NOT NULL DEFAULT '{}'::jsonb,
      description text,
      updated_by  text NOT NULL,
      updated_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE task_slot_waits (
      run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      task_id     text NOT NULL,
      attempt     integer NOT NULL,
      group_key   text NOT NULL,
      slots       integer NOT NULL CHECK (slots > 0),
      lim         integer,
      priority    integer NOT NULL DEFAULT 0,
      owner       text NOT NULL DEFAULT '',
      enqueued_at timestamptz NOT NULL,
      PRIMARY KEY (run_id, task_id, attempt, group_key)
    );
    CREATE INDEX task_slot_waits_group ON task_slot_waits (group_key, priority DESC, enqueued_at, run_id, task_id);
    CREATE TABLE task_slot_holds (
      run_id     uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      task_id    text NOT NULL,
      attempt    integer NOT NULL,
      group_key  text NOT NULL,
      slots      integer NOT NULL CHECK (slots > 0),
      owner      text NOT NULL DEFAULT '',
      granted_at timestamptz NOT NULL,
      PRIMARY KEY (run_id, task_id, attempt, group_key)
    );
    CREATE INDEX task_slot_holds_group ON task_slot_holds (group_key);
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
