import { sql } from 'kysely'
import {
  BatonError,
  UnavailableError,
  createDb,
  ensureDatabase,
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
      if (!options.readOnly) {
        await ensureDatabase(this.config.databaseUrl)
        await migrateToLatest(this.config.databaseUrl, this.config.namespace)
      }
      this.#db = createDb(this.config.databaseUrl, this.config.namespace, { max: 2 })
      if (options.readOnly) {
        const found = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${this.config.namespace}`.execute(this.#db).catch((e: unknown) => {
          throw new UnavailableError(`cannot reach Postgres: ${(e as Error).message}`, { cause: e })
        })
        if (found.rows[0]?.n !== 1) {
          throw new BatonError('NOT_FOUND', `namespace '${this.config.namespace}' has no Baton schema in this database: nothing was deployed or run there (check BATON_NAMESPACE)`)
        }
      }
    }
    return this.#db
  }

  /** The NATS connection, with the namespace's streams provisioned. */
  async nats(): Promise<NatsConnection> {
    if (!this.#nc) {
      const { openNatsSession } = await import('./nats-session.js')
      const session = await openNatsSession(this.config.natsUrl, this.subjects)
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
    await this.#db?.destroy()
    await this.#nc?.drain().catch(() => {})
  }
}
