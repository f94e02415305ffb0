import { createHash } from 'node:crypto'
import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import { UnavailableError } from '../errors.js'
import type { Database } from './types.js'

/** A Kysely instance bound to one namespace's schema. */
export type Db = Kysely<Database>

// int8 (bigserial ids, counts) as JS numbers: they stay far below 2^53 here.
pg.types.setTypeParser(20, (v) => Number(v))

/**
 * Creates the database named in the URL when it does not exist (connecting to `postgres`).
 * Safe when several processes do it at once.
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl)
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres'
  url.pathname = '/postgres'
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 })
  // A connection dropped mid-query reaches the caller as a rejected query; the 'error' event
  // pg also emits must not crash the process (a coordinator retries its start-up instead).
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (e) {
    throw new UnavailableError(`cannot connect to Postgres at ${url.host}: ${(e as Error).message}`, { cause: e })
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount === 0) {
      // Identifiers cannot be bound as parameters; quote it (name comes from config, not users).
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04' && e.code !== '23505') throw e
      })
    }
  } finally {
    await client.end()
  }
}

/** Opens a pool whose connections use the namespace schema (search_path) for every query. */
export function createDb(databaseUrl: string, namespace: string, options: { max?: number; applicationName?: string } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? `baton:${namespace}`,
    options: `-c search_path=${namespace}`,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  })
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  pool.on('connect', onConnect)
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

/** Marker that opts a statement into server-side preparation (see `onConnect`). */
export const PREPARE = '/* baton:prepare */'

/**
 * Prepares each new connection. Sends statements whose text starts with PREPARE as named prepared statements, so Postgres
 * parses and plans them once per connection instead of on every hot-path call. Only a bounded
 * set of statement texts carry the marker (never ones whose text grows with the input).
 */
function onConnect(client: pg.PoolClient): void {
  // A checked-out client whose connection dies emits 'error'; without a listener that is an
  // uncaught exception. The failure already reaches the caller as a rejected query.
  client.on('error', () => {})
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  ;(client as { query: unknown }).query = (text: unknown, ...rest: unknown[]) => {
    if (typeof text === 'string' && text.startsWith(PREPARE)) {
      const name = `b_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
      return query({ name, text, values: rest[0] }, ...rest.slice(1))
    }
    return query(text, ...rest)
  }
}
