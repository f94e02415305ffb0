import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * `baton undeploy` archives a workflow instead of deleting it: its history stays readable and a
 * later deploy restores it. NULL = active.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workflows ADD COLUMN archived_at timestamptz`.execute(db)
}
