import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Fan-out in chunks (docs/architecture.md, "Fan-out in chunks"): a task with thousands of
 * downstream tasks notifies them a chunk per transaction; a `fanout_continue` timer holds where
 * the next chunk starts, so a crash between chunks loses nothing and notifies nobody twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE timers ADD COLUMN next_index integer NOT NULL DEFAULT 0`.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
