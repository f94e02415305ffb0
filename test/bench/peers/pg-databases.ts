// Fresh databases for the Postgres-backed peers, on the server of BATON_DATABASE_URL, dropped at
// the end (also on failure and Ctrl-C: run.ts drops whatever is still listed here).
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The Postgres of the bench: BATON_DATABASE_URL, as for Baton itself. */
export const BASE_DATABASE_URL = process.env.BATON_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/baton'

const created = new Set<string>()

/** The URL of database `name` on the bench's server. */
function urlOf(name: string): string {
  const u = new URL(BASE_DATABASE_URL)
  u.pathname = `/${name}`
  return u.toString()
}

/** Runs `sql` on the server's maintenance database (CREATE/DROP DATABASE cannot run inside the one they name). */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf('postgres') })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Creates an empty database `bench_peers_<label>_<random>`; returns its URL. */
export async function createDatabase(label: string): Promise<{ name: string; url: string }> {
  const name = `bench_peers_${label.replace(/[^a-z0-9]+/g, '_')}_${randomBytes(4).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  created.add(name)
  return { name, url: urlOf(name) }
}

/** Drops a database made by createDatabase, ending any session still connected to it. */
export async function dropDatabase(name: string): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  created.delete(name)
}

/** Drops every database createDatabase made that is still there (the failure and Ctrl-C path). */
export async function dropAllDatabases(): Promise<void> {
  for (const name of [...created]) await dropDatabase(name).catch((e: unknown) => console.error(`bench-peers: could not drop database ${name}: ${String(e)}`))
}
