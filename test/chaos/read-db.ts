import pg from 'pg'

/**
 * The harness's view of the database: read-only connections (`default_transaction_read_only`),
 * on the namespace's schema, under an application name the connection-drop fault leaves alone.
 * Queries time out rather than hang while Postgres is down.
 */
export interface ReadDb {
  /** Rows of a read-only query. */
  query<T>(text: string, values?: readonly unknown[]): Promise<T[]>
  close(): Promise<void>
}

/** Opens the read-only pool. */
export function openReadDb(url: string, namespace: string): ReadDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    application_name: 'chaos-harness',
    options: `-c search_path=${namespace} -c default_transaction_read_only=on -c statement_timeout=60000`,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 10_000,
  })
  pool.on('error', () => {})
  pool.on('connect', (c) => c.on('error', () => {}))
  return {
    async query<T>(text: string, values: readonly unknown[] = []): Promise<T[]> {
      return (await pool.query(text, values as unknown[])).rows as T[]
    },
    close: () => pool.end(),
  }
}

/** Terminal run statuses. */
export const TERMINAL_RUN = ['succeeded', 'failed', 'cancelled'] as const
