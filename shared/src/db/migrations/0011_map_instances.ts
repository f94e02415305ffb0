import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Dynamic fan-out (docs/architecture.md, "Mapped tasks"): a mapped task's instances are task
 * rows `task[i]` that name the task they belong to (`map_of`), their index and their element,
 * created in bulk from the upstream list; the mapped task's own row counts them (`map_total`,
 * `map_succeeded`, `map_failed`) so its end is decided without reading them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE task_states
      ADD COLUMN map_of text,
      ADD COLUMN map_index integer,
      ADD COLUMN map_element jsonb,
      ADD COLUMN map_total integer,
      ADD COLUMN map_succeeded integer NOT NULL DEFAULT 0,
      ADD COLUMN map_failed integer NOT NULL DEFAULT 0;
    CREATE INDEX task_states_map ON task_states (run_id, map_of, map_index) WHERE map_of IS NOT NULL;
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
