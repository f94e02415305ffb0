import { sql } from 'kysely'
import {
  BatonError,
  UnavailableError,
  unreachableService,
  createDb,
  ensureDatabase,
  loadConfig,
  migrateToLatest,
  subjectsFor,
  withoutPassword,
  type BatonConfig,
  type Db,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type Subjects,
} from '@baton/shared'
import { describeError } from './failure-report.js'

/**
 * How long a command waits for Postgres, and then for NATS, to answer when it first connects to
 * each (connection, and for NATS the streams' provisioning) before it reports one `error:` line
 * and exits 3. A server that is down or closes the connection fails at once; this bounds one that
 * accepts the connection and never answers. The CLI never retries: its commands fail fast.
 */
export const CONNECT_TIMEOUT_MS = 5000
/** How long `close()` waits for connections to close (a server gone mid-command may never answer). */
const CLOSE_TIMEOUT_MS = 2000

/**
 * What CLI commands use to talk to a deployment: the namespace's database and NATS, each opened
 * on first use (NATS code is loaded only then) and closed by `close()`.
 */
export class CliClient {
  readonly config: BatonConfig
  readonly subjects: Subjects
  #db: Db | undefined
  #nc: NatsConnection | undefined
  #jsm: JetStreamManager | undefined
  #migratedNow: string[] = []

  constructor(config: BatonConfig = loadConfig()) {
    this.config = config
    this.subjects = subjectsFor(config.namespace)
  }

  /**
   * The database, migrated to the latest schema. Read-only commands (`readOnly`) never create
   * anything: a misspelt namespace is reported instead of silently created empty.
   */
  async db(options: { readOnly?: boolean } = {}): Promise<Db> {
    if (!this.#db) {
      const where = `Postgres at ${withoutPassword(this.config.databaseUrl)}`
      const db = createDb(this.config.databaseUrl, this.config.namespace, { max: 2 })
      const connecting = (async () => {
        if (!options.readOnly) {
          await ensureDatabase(this.config.databaseUrl)
          this.#migratedNow = await migrateToLatest(this.config.databaseUrl, this.config.namespace)
        }
        // Also the first connection of the pool: a failure here is reported now, not mid-command.
        const found = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${this.config.namespace}`.execute(db)
        if (options.readOnly && found.rows[0]?.n !== 1) {
          throw new BatonError('NOT_FOUND', `namespace '${this.config.namespace}' has no Baton schema in this database: nothing was deployed or run there (check BATON_NAMESPACE)`)
        }
      })()
      try {
        await withinTimeout(connecting, CONNECT_TIMEOUT_MS, () => new UnavailableError(`cannot reach ${where}: no answer within ${CONNECT_TIMEOUT_MS / 1000}s`))
      } catch (e) {
        // Not awaited: a pool still connecting to a silent server would hold the error back.
        void db.destroy().catch(() => {})
        // ensureDatabase names only the host: every Postgres error of the CLI names the same URL.
        if (e instanceof UnavailableError) throw e.message.includes(where) ? e : new UnavailableError(`cannot reach ${where}: ${describeError(e.cause ?? e)}`, { cause: e })
        if (unreachableService(e) !== undefined) {
          throw new UnavailableError(`cannot reach ${where}: ${describeError(e)}`, { cause: e })
        }
        throw e
      }
      this.#db = db
    }
    return this.#db
  }

  /** The migrations this client applied when it opened the database (usually none: another process did). */
  get migratedNow(): readonly string[] {
    return this.#migratedNow
  }

  /** The NATS connection, with the namespace's streams provisioned. */
  async nats(): Promise<NatsConnection> {
    if (!this.#nc) {
      const { openNatsSession } = await import('./nats-session.js')
      const session = await openNatsSession(this.config.natsUrl, this.subjects, CONNECT_TIMEOUT_MS, { replicas: this.config.streamReplicas })
      this.#nc = session.nc
      this.#jsm = session.jsm
    }
    return this.#nc
  }

  /** JetStream, with the namespace's streams provisioned. */
  async js(): Promise<JetStreamClient> {
    const nc = await this.nats()
    const { jetstreamOf } = await import('./nats-session.js')
    return jetstreamOf(nc)
  }

  /** JetStream management (stream and consumer info). */
  async jsm(): Promise<JetStreamManager> {
    await this.nats()
    return this.#jsm!
  }

  /** Closes what was opened. */
  async close(): Promise<void> {
    const closing = Promise.allSettled([this.#db?.destroy(), this.#nc?.drain()])
    await withinTimeout(closing, CLOSE_TIMEOUT_MS, () => new Error('close timed out')).catch(() => {})
  }
}

/** `work`, or `timedOut()` once `ms` have passed; a late failure of `work` is observed, never unhandled. */
async function withinTimeout<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  work.catch(() => {})
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(timedOut()), ms)))])
  } finally {
    clearTimeout(timer)
  }
}
