import { PostgresDialect, sql, type DatabaseIntrospector, type Kysely, type SchemaMetadata, type TableMetadata, type DatabaseMetadata, type ColumnMetadata } from 'kysely'

/**
 * Kysely's Postgres introspector reads every schema on the server. The migrator asks it whether
 * its own two tables exist, and a neighbour's `DROP SCHEMA` during that scan fails the scan
 * (3F000, 42P01 or 42703, depending on which catalog function meets the half-dropped schema:
 * seen in CI when test namespaces were dropped beside a migration). This one reads only the
 * namespace being migrated, so what happens in other schemas cannot reach it.
 */
export class NamespaceIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly namespace: string,
  ) {}

  /** The namespace's schema, if it exists (nothing else). */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ nspname: string }>`SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ${this.namespace}`.execute(this.db)
    return rows.map((r) => ({ name: r.nspname }))
  }

  /** Tables and views of the namespace with their columns (the migrator needs only the names). */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      SELECT c.relname AS table, c.relkind AS kind, a.attname AS column, t.typname AS type,
             a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity <> '' AS identity
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       WHERE n.nspname = ${this.namespace} AND c.relkind IN ('r', 'v', 'p')
       ORDER BY c.relname, a.attnum`.execute(this.db)
    const tables = new Map<string, { name: string; isView: boolean; schema: string; columns: ColumnMetadata[] }>()
    for (const r of rows) {
      let table = tables.get(r.table)
      if (!table) tables.set(r.table, (table = { name: r.table, isView: r.kind === 'v', schema: this.namespace, columns: [] }))
      table.columns.push({ name: r.column, dataType: r.type, isNullable: !r.not_null, hasDefaultValue: r.has_default, isAutoIncrementing: r.identity })
    }
    return [...tables.values()]
  }

  /** Deprecated in Kysely's interface; kept for it. */
  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() }
  }
}

interface ColumnRow {
  table: string
  kind: string
  column: string
  type: string
  not_null: boolean
  has_default: boolean
  identity: boolean
}

/** A Postgres dialect whose introspection sees only `namespace` (used by the migrator). */
export class NamespaceDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly namespace: string,
  ) {
    super(config)
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new NamespaceIntrospector(db, this.namespace)
  }
}
