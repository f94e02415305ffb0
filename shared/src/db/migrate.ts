import pg from 'pg'
import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely'
import { MIGRATIONS, MIGRATION_NAMES } from './migration-list.js'
import { migrationStatus } from './migration-status.js'
import { NamespaceDialect } from './namespace-introspector.js'

export { MIGRATION_NAMES }

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS
  }
}

/**
 * Brings the namespace schema to the latest migration. A Postgres advisory lock per namespace
 * makes it safe when several processes start together: one migrates, the others wait and find
 * nothing to do. Introspection sees only this namespace, so schemas created and dropped beside it
 * (other environments or test files on the same server) cannot fail it.
 */
export async function migrateToLatest(databaseUrl: string, namespace: string): Promise<string[]> {
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
    const db = new Kysely<unknown>({ dialect: new NamespaceDialect({ pool }, namespace) })
    try {
      // Every migration this version knows is applied: nothing to do. Checked here, not left to
      // Kysely, because its migrator refuses a schema holding migrations it does not know, and a
      // newer Baton's additive migrations must not stop this version from starting (a rollout in
      // progress, a rollback of the code).
      if ((await migrationStatus(db, namespace)).pending.length === 0) return []
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
