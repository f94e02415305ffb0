import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream'
import { CONNECT_TIMEOUT_MS } from '../client.js'
import {
  compileWorkflow,
  connectNats,
  createDb,
  DUPLICATE_WINDOW_MS,
  listWorkflows,
  loadConfig,
  migrationStatus,
  natsConnectionOptions,
  subjectsFor,
  UnavailableError,
  type BatonConfig,
  type Db,
  type NatsConnection,
  type Subjects,
} from '@baton/shared'
import {
  clockSkewRule,
  coordinatorConsumerRule,
  doctorReport,
  duplicateWindowRule,
  fsyncRule,
  fullPageWritesRule,
  jetstreamSyncRule,
  migrationsRule,
  natsVersionRule,
  postgresVersionRule,
  primaryRule,
  replicasRule,
  storageRule,
  streamsRule,
  synchronousCommitRule,
  workerConsumerRule,
  type DoctorCheck,
  type Finding,
  type StreamFacts,
} from '../doctor-rules.js'

/**
 * `baton doctor`: reads what Baton's guarantees depend on from NATS and Postgres and judges it
 * with the rules of doctor-rules.ts. Read-only: it connects without provisioning streams or
 * migrating (not through CliClient, which does both), and creates nothing. Exit 0 when no check
 * fails, 1 when one does, 3 (one `error:` line) when NATS or Postgres cannot be reached at all.
 */
export async function doctor(opts: { json?: boolean }): Promise<void> {
  const config = loadConfig()
  const subjects = subjectsFor(config.namespace)
  const [nats, pg] = await Promise.allSettled([connectNats(config.natsUrl, 'baton-doctor', { timeoutMs: CONNECT_TIMEOUT_MS }), openPostgres(config)])
  if (nats.status === 'rejected' || pg.status === 'rejected') {
    if (nats.status === 'fulfilled') await nats.value.close().catch(() => {})
    if (pg.status === 'fulfilled') await pg.value.db.destroy().catch(() => {})
    throw nats.status === 'rejected' ? nats.reason : (pg as PromiseRejectedResult).reason
  }
  const nc = nats.value
  const { db, databaseMissing } = pg.value
  try {
    const postgres = await postgresChecks(db, config.namespace, databaseMissing)
    const checks = [...(await natsChecks(nc, subjects, postgres.queues)), ...postgres.checks]
    const report = doctorReport(checks)
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(config, checks))
    if (!report.ok) process.exitCode = 1
  } finally {
    await db.destroy().catch(() => {})
    await nc.close().catch(() => {})
  }
}

const named = (name: string, f: Finding): DoctorCheck => ({ name, ...f })

// ---- NATS ------------------------------------------------------------------------------------

/** NATS server, JetStream streams and consumers; `queues`: queue → the active workflows using it. */
async function natsChecks(nc: NatsConnection, s: Subjects, queues: ReadonlyMap<string, string[]>): Promise<DoctorCheck[]> {
  const checks = [named('nats.version', natsVersionRule(nc.info?.version)), named('jetstream.sync', jetstreamSyncRule(nc.info?.version))]
  const expected = [s.eventsStream, s.commandsStream, s.alertsStream, s.logsStream]
  let jsm: JetStreamManager
  try {
    // Asks for the account's JetStream info: fails when JetStream is off. Creates nothing.
    jsm = await jetstreamManager(nc)
  } catch (e) {
    checks.push(named('jetstream.streams', streamsRule(expected, expected, (e as Error).message)))
    return checks
  }
  const streams: StreamFacts[] = []
  const missing: string[] = []
  for (const name of expected) {
    const info = await jsm.streams.info(name).catch(notFound)
    if (!info) missing.push(name)
    else {
      streams.push({ name, storage: String(info.config.storage), replicas: info.config.num_replicas ?? 1, duplicateWindowMs: Number(info.config.duplicate_window ?? 0) / 1e6 })
    }
  }
  checks.push(named('jetstream.streams', streamsRule(expected, missing)))
  if (streams.length > 0) {
    checks.push(named('jetstream.storage', storageRule(streams)), named('jetstream.replicas', replicasRule(streams)))
  }
  // Baton de-duplicates events and commands on `Nats-Msg-Id` (alerts and task logs are conveniences).
  const deduplicated = streams.filter((x) => x.name === s.eventsStream || x.name === s.commandsStream)
  if (deduplicated.length > 0) checks.push(named('jetstream.duplicate_window', duplicateWindowRule(deduplicated, DUPLICATE_WINDOW_MS)))
  checks.push(named(`consumer.${s.coordinatorConsumer}`, coordinatorConsumerRule(await ackWaitMs(jsm, s.eventsStream, s.coordinatorConsumer))))
  for (const [queue, workflows] of [...queues].sort(([a], [b]) => a.localeCompare(b))) {
    const consumer = s.workerConsumer(queue)
    checks.push(named(`consumer.${consumer}`, workerConsumerRule(queue, workflows, await ackWaitMs(jsm, s.commandsStream, consumer))))
  }
  return checks
}

/** A consumer's ack wait, or undefined when it (or its stream) does not exist. */
async function ackWaitMs(jsm: JetStreamManager, stream: string, consumer: string): Promise<number | undefined> {
  const info = await jsm.consumers.info(stream, consumer).catch(notFound)
  return info ? Number(info.config.ack_wait ?? 0) / 1e6 : undefined
}

/** "Not found" (stream or consumer) as undefined; anything else is a real failure. */
function notFound(e: unknown): undefined {
  if (/not found/i.test((e as Error)?.message ?? '')) return undefined
  throw e
}

// ---- Postgres --------------------------------------------------------------------------------

/**
 * A one-connection pool on the configured database. A database that does not exist is reported
 * (a `fail` check), not created: the server's checks then run on the `postgres` database.
 */
async function openPostgres(config: BatonConfig): Promise<{ db: Db; databaseMissing?: string }> {
  const open = async (url: string): Promise<Db> => {
    const db = createDb(url, config.namespace, { max: 1, applicationName: 'baton-doctor' })
    try {
      await sql`SELECT 1`.execute(db)
      return db
    } catch (e) {
      await db.destroy().catch(() => {})
      throw e
    }
  }
  try {
    return { db: await open(config.databaseUrl) }
  } catch (e) {
    if ((e as { code?: string }).code === '3D000') {
      const url = new URL(config.databaseUrl)
      const name = decodeURIComponent(url.pathname.replace(/^\//, ''))
      url.pathname = '/postgres'
      try {
        return { db: await open(url.toString()), databaseMissing: name }
      } catch (e2) {
        throw unreachable(config.databaseUrl, e2)
      }
    }
    throw unreachable(config.databaseUrl, e)
  }
}

function unreachable(databaseUrl: string, e: unknown): UnavailableError {
  return new UnavailableError(`cannot reach Postgres at ${postgresWhere(databaseUrl)}: ${(e as Error)?.message ?? String(e)}`, { cause: e })
}

/** host:port/database of a Postgres URL, without credentials. */
function postgresWhere(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl)
    return `${url.host}${url.pathname}`
  } catch {
    return 'BATON_DATABASE_URL'
  }
}

interface Settings {
  version: string
  fsync: string
  synchronous_commit: string
  full_page_writes: string
  in_recovery: boolean
}

/** Server settings, migrations, clock skew; and the queues of active workflows (for the consumer checks). */
async function postgresChecks(db: Db, namespace: string, databaseMissing: string | undefined): Promise<{ checks: DoctorCheck[]; queues: Map<string, string[]> }> {
  const { rows } = await sql<Settings>`
    SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
           current_setting('synchronous_commit') AS synchronous_commit,
           current_setting('full_page_writes') AS full_page_writes, pg_is_in_recovery() AS in_recovery`.execute(db)
  const settings = rows[0]!
  const checks = [
    // `15.20 (Debian 15.20-0+deb12u1)`: the number is what matters.
    named('postgres.version', postgresVersionRule(settings.version.split(' ')[0]!)),
    named('postgres.fsync', fsyncRule(settings.fsync)),
    named('postgres.synchronous_commit', synchronousCommitRule(settings.synchronous_commit)),
    named('postgres.full_page_writes', fullPageWritesRule(settings.full_page_writes)),
    named('postgres.primary', primaryRule(settings.in_recovery)),
  ]
  const queues = new Map<string, string[]>()
  if (databaseMissing !== undefined) {
    checks.push(named('postgres.migrations', migrationsRule(namespace, { schemaExists: false, applied: [], pending: [], unknown: [], known: [] }, databaseMissing)))
  } else {
    const migrations = await migrationStatus(db, namespace)
    checks.push(named('postgres.migrations', migrationsRule(namespace, migrations)))
    if (migrations.schemaExists) for (const [queue, workflows] of await activeQueues(db)) queues.set(queue, workflows)
  }
  const skew = await measureClockSkew(db)
  checks.push(named('clock.skew', clockSkewRule(skew.skewMs, skew.rttMs)))
  return { checks, queues }
}

/**
 * Queue → the active (not archived) workflows whose tasks use it, from their current versions.
 * A schema too old to read them yields none (the migrations check fails already).
 */
async function activeQueues(db: Db): Promise<Map<string, string[]>> {
  const byQueue = new Map<string, string[]>()
  const workflows = await listWorkflows(db).catch(() => [])
  for (const wf of workflows) {
    let queues: readonly string[]
    try {
      queues = compileWorkflow(wf.definition).queues
    } catch {
      continue // a stored version this CLI no longer compiles: nothing to say about its queues here
    }
    for (const q of queues) byQueue.set(q, [...(byQueue.get(q) ?? []), wf.name])
  }
  return byQueue
}

/**
 * The database's clock minus this process's, at the middle of the round trip, from the sample
 * with the shortest round trip of a few (`clock_timestamp()`: the time now, not the
 * transaction's start). The skew is known to ±rtt/2.
 */
async function measureClockSkew(db: Db): Promise<{ skewMs: number; rttMs: number }> {
  let best = { skewMs: 0, rttMs: Infinity }
  for (let i = 0; i < 5; i++) {
    const t0 = performance.timeOrigin + performance.now()
    const { rows } = await sql<{ ms: number }>`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`.execute(db)
    const t1 = performance.timeOrigin + performance.now()
    if (t1 - t0 < best.rttMs) best = { skewMs: rows[0]!.ms - (t0 + t1) / 2, rttMs: t1 - t0 }
  }
  return best
}

// ---- output ----------------------------------------------------------------------------------

const COLOR = { ok: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m' } as const

/** One line per check (status, name, value, why), between a line naming what was checked and a count. */
function formatReport(config: BatonConfig, checks: readonly DoctorCheck[]): string {
  const tty = process.stdout.isTTY === true
  const nameWidth = Math.max(...checks.map((c) => c.name.length))
  const valueWidth = Math.min(32, Math.max(...checks.map((c) => c.value.length)))
  const where = `namespace '${config.namespace}', NATS ${natsConnectionOptions(config.natsUrl).servers.join(',')}, Postgres ${postgresWhere(config.databaseUrl)}`
  const lines = checks.map((c) => {
    const status = c.status.padEnd(4)
    return `${tty ? `${COLOR[c.status]}${status}\x1b[0m` : status}  ${c.name.padEnd(nameWidth)}  ${c.value.padEnd(valueWidth)}  ${c.advice}`
  })
  const count = (s: string): number => checks.filter((c) => c.status === s).length
  return `baton doctor: ${where}\n${lines.join('\n')}\n${checks.length} checks: ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail\n`
}
