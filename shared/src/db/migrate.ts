import pg from 'pg'
import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider } from 'kysely'
import * as m0001 from './migrations/0001_initial.js'
import * as m0002 from './migrations/0002_triggers.js'
import * as m0003 from './migrations/0003_alert_delivery.js'
import * as m0004 from './migrations/0004_archived_workflows.js'
import * as m0005 from './migrations/0005_leases_and_dead_letter_counts.js'
import * as m0006 from './migrations/0006_access_control.js'
import * as m0007 from './migrations/0007_operator_actions.js'
import * as m0008 from './migrations/0008_hot_path.js'
import * as m0009 from './migrations/0009_task_slots.js'
import * as m0010 from './migrations/0010_sub_workflows.js'

/** Every migration in order. Append only. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_triggers': m0002,
  '0003_alert_delivery': m0003,
  '0004_archived_workflows': m0004,
  '0005_leases_and_dead_letter_counts': m0005,
  '0006_access_control': m0006,
  '0007_operator_actions': m0007,
  '0008_hot_path': m0008,
  '0009_task_slots': m0009,
  '0010_sub_workflows': m0010,
}

/** The names of every migration `migrateToLatest` applies, in order. */
export const MIGRATION_NAMES: readonly string[] = Object.freeze(Object.keys(MIGRATIONS))

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS
  }
}

/**
 * Brings the namespace schema to the latest migration. A Postgres advisory lock per namespace
 * makes it safe when several processes start together: one migrates, the others wait and find
 * nothing to do.
 */
export async function migrateToLatest(databaseUrl: string, namespace: string): Promise<string[]> {
  // Kysely's migrator introspects the whole catalog; a schema of ANOTHER namespace dropped at that
  // moment (test files, environments sharing a server) fails it with 3F000. Nothing was applied
  // then (each migration runs in a transaction), so trying again is safe.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(databaseUrl, namespace)
    } catch (e) {
      const code = (e as { code?: string }).code
      if (code !== '3F000' || attempt >= 5) throw e
      await new Promise((r) => setTimeout(r, 50 * attempt))
    }
  }
}

async function migrateOnce(databaseUrl: string, namespace: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${namespace}`, connectionTimeoutMillis: 10_000 })
  // A dropped connection surfaces as a rejected query; pg's 'error' event must not crash the process.
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`baton:migrate:${namespace}`])
    // Only create the schema when missing: CREATE needs a database privilege that a
    // least-privilege role (owning just its schema) does not have.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [namespace])
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS "${namespace}"`)
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: `-c search_path=${namespace}`, connectionTimeoutMillis: 10_000 })
    pool.on('error', () => {})
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
    try {
      const migrator = new Migrator({ db, provider: new StaticMigrationProvider(), migrationTableSchema: namespace })
      const { error, results } = await migrator.migrateToLatest()
      if (error) throw error
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
    } finally {
      await db.destroy()
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`baton:migrate:${namespace}`]).catch(() => {})
    await client.end()
  }
}

/** Drops a namespace's schema and everything in it (tests and `baton reset`). */
export async function dropNamespaceSchema(databaseUrl: string, namespace: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`)
  } finally {
    await client.end()
  }
}
