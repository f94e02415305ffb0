import { sql, type Kysely } from 'kysely'
import { MIGRATION_NAMES } from './migration-list.js'

/** How a namespace's schema stands against the migrations this code knows. */
export interface MigrationStatus {
  /** Whether the namespace's schema exists at all (false: nothing was ever deployed or run there). */
  readonly schemaExists: boolean
  /** Migrations recorded in the namespace's Kysely migration table, in name order. */
  readonly applied: readonly string[]
  /** Migrations this code knows that the database has not applied: the schema is behind. */
  readonly pending: readonly string[]
  /** Applied migrations this code does not know: a newer Baton migrated the database. */
  readonly unknown: readonly string[]
  /** The migrations this code knows, in order. */
  readonly known: readonly string[]
}

/**
 * Reads which migrations a namespace has applied, without creating or locking anything (what
 * `baton doctor` reports, and what `migrateToLatest` checks first). `db` may be bound to any
 * schema, typed or not: the namespace is named explicitly.
 */
export async function migrationStatus(db: Kysely<any>, namespace: string): Promise<MigrationStatus> {
  const known = MIGRATION_NAMES
  const schema = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${namespace}`.execute(db)
  if (schema.rows[0]?.n !== 1) return { schemaExists: false, applied: [], pending: [...known], unknown: [], known }
  // Kysely's Migrator keeps its table (default name) in the namespace's schema (migrationTableSchema).
  const table = await sql<{ t: string | null }>`SELECT to_regclass(format('%I.%I', ${namespace}::text, 'kysely_migration'))::text AS t`.execute(db)
  const applied = table.rows[0]?.t
    ? (await sql<{ name: string }>`SELECT name FROM ${sql.table(`${namespace}.kysely_migration`)} ORDER BY name`.execute(db)).rows.map((r) => r.name)
    : []
  const done = new Set(applied)
  const knownSet = new Set(known)
  return {
    schemaExists: true,
    applied,
    pending: known.filter((m) => !done.has(m)),
    unknown: applied.filter((m) => !knownSet.has(m)),
    known,
  }
}
