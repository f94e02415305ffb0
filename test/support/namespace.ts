import { randomBytes } from 'node:crypto'
import {
  connectNats,
  createDb,
  dropNamespaceSchema,
  ensureDatabase,
  ensureStreams,
  jetstreamClient,
  loadConfig,
  migrateToLatest,
  subjectsFor,
  type BatonConfig,
  type Db,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type Subjects,
} from '@baton/shared'
import { openSubscriptions, trackNamespace } from './leak-check.js'

/**
 * A fresh namespace for one test file: its own Postgres schema and its own subjects and streams
 * on the shared servers, so test files run in parallel without seeing each other's data.
 */
export interface TestNamespace {
  readonly config: BatonConfig
  readonly subjects: Subjects
  readonly db: Db
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  /** Environment for child processes (CLI, coordinator, worker) in this namespace. */
  readonly env: Record<string, string>
  /** Drops the schema and streams and closes connections. */
  close(): Promise<void>
}

/**
 * Creates a namespace named after the test file (plus random suffix) and migrates it.
 * `overrides` point it elsewhere (a private NATS cluster's `natsUrl`, its `streamReplicas`); the
 * child-process environment says the same.
 */
export async function createTestNamespace(label: string, overrides: Partial<Pick<BatonConfig, 'natsUrl' | 'streamReplicas'>> = {}): Promise<TestNamespace> {
  const ns = `t_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20)}_${randomBytes(4).toString('hex')}`
  const config = loadConfig(process.env, { namespace: ns, logLevel: (process.env.BATON_LOG_LEVEL as BatonConfig['logLevel']) ?? 'warn', ...overrides })
  await ensureDatabase(config.databaseUrl)
  await migrateToLatest(config.databaseUrl, ns)
  const subjects = subjectsFor(ns)
  const nc = await connectNats(config.natsUrl, `test-${ns}`)
  const jsm = await ensureStreams(nc, subjects, { replicas: config.streamReplicas })
  const db = createDb(config.databaseUrl, ns)
  const closing = trackNamespace({ name: ns, databaseUrl: config.databaseUrl, natsUrl: config.natsUrl, nc })
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BATON_NAMESPACE: ns,
    BATON_NATS_URL: config.natsUrl,
    BATON_DATABASE_URL: config.databaseUrl,
    BATON_LOG_LEVEL: config.logLevel,
    // Service commands default to metrics ports 9464/9465; test processes run side by side.
    BATON_METRICS_PORT: '0',
    ...(config.streamReplicas !== undefined ? { BATON_STREAM_REPLICAS: String(config.streamReplicas) } : {}),
  }
  return {
    config,
    subjects,
    db,
    nc,
    js: jetstreamClient(nc),
    jsm,
    env,
    async close() {
      // What a test left subscribed (a worker or consumer not stopped) is a leak, even though drain ends it.
      closing(openSubscriptions(nc))
      await db.destroy()
      for (const s of [subjects.eventsStream, subjects.commandsStream, subjects.alertsStream, subjects.logsStream]) await jsm.streams.delete(s).catch(() => {})
      await nc.drain().catch(() => {})
      if (!process.env.BATON_KEEP_TEST_DATA) await dropNamespaceSchema(config.databaseUrl, ns)
    },
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const start = Date.now()
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
    } catch (e) {
      last = e
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
