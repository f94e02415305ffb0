import { existsSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { createJsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import {
  connectNats,
  createDb,
  createLogger,
  ensureDatabase,
  ensureStreams,
  jetstreamClient,
  migrateToLatest,
  natsConnectionOptions,
  retryWithBackoff,
  startupRetryBudget,
  subjectsFor,
  withoutPassword,
  type Db,
  type Logger,
  type NatsConnection,
  type Subjects,
} from '@baton/shared'
import { createAuthenticator, type Authenticator } from './auth/authenticate.js'
import { authPlugin } from './auth/plugin.js'
import { loadApiConfig, type ApiConfig } from './config.js'
import { apiErrorHandler, notFoundHandler } from './errors.js'
import { registerRoutes, ROUTE_MODULES, type RouteModule, type ZodApp } from './routes/index.js'
import { installedUiDir, serveUi } from './ui/serve-ui.js'

/** Version of the API contract in the OpenAPI document. */
export const API_VERSION = '0.1.0'

/** What `buildApiServer` serves from: open connections and the API's settings. */
export interface ApiServerDeps {
  readonly db: Db
  readonly nc: NatsConnection
  readonly subjects: Subjects
  readonly config: ApiConfig
  readonly logger: Logger
  /** Default: API tokens from `db`, plus OIDC when `config.oidc` is set. */
  readonly authenticator?: Authenticator
  /**
   * Folder holding the reference page's assets (@fastify/swagger-ui's `static/`). Default: the
   * installed package's; a bundle that inlines the package passes the copy it ships.
   */
  readonly docsAssetsDir?: string
  /** Route modules to serve (default: every module of routes/index.ts). */
  readonly routes?: readonly RouteModule[]
  /**
   * The built web UI (`index.html` and `assets/`), served at `/` and `/ui/…`: BATON_UI_DIR
   * when set, else this (a bundle passes the copy it ships), else the installed @baton/ui's `dist/`.
   */
  readonly uiDir?: string
}

/**
 * The API's Fastify instance, not yet listening: zod validation and serialization of every
 * request and response, the one error format, security headers, CORS when configured, access
 * control and audit, the OpenAPI 3.1 document at `/openapi.json` and its reference page at
 * `/docs`, then every route module. It keeps no state between requests beyond a per-process
 * counter of failed authentications, so any number of replicas can serve one namespace.
 */
export function buildApiServer(deps: ApiServerDeps): ZodApp {
  const { config } = deps
  const log = deps.logger
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Requests are not logged one by one (errors are); a credential is never logged either way.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // The client address is the TCP peer's, or the one `trustProxyHops` proxies in front reported.
    trustProxy: config.trustProxyHops > 0 ? (_address: string, hop: number) => hop < config.trustProxyHops : false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(apiErrorHandler(log))
  app.setNotFoundHandler(notFoundHandler)

  // A JSON API: nothing to run or embed. The reference page sets its own policy (below).
  void app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
  })
  if (config.corsOrigins) {
    void app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
      maxAge: 600,
    })
  }
  void app.register(authPlugin, {
    db: deps.db,
    authenticator: deps.authenticator ?? createAuthenticator({ db: deps.db, ...(config.oidc ? { oidc: config.oidc } : {}) }),
    log,
    failuresPerMinute: config.authFailuresPerMinute,
  })
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Baton API',
        version: API_VERSION,
        description: 'Read and operate Baton: workflows, runs, tasks and their logs, readiness, backfills, alerts. Errors are `{ "error": { "code", "message", "details" } }`. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (`baton token create`) or, when configured, a JWT from the OIDC identity provider' },
        },
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness (no credential)' },
        { name: 'workflows', description: 'Deployed workflows, versions, readiness, freshness' },
        { name: 'runs', description: 'Runs, tasks, attempts and task logs' },
        { name: 'sources', description: 'Source landings' },
        { name: 'backfills', description: 'Backfills and their progress' },
        { name: 'alerts', description: 'Alerts and their deliveries' },
        { name: 'operations', description: 'Dead letters' },
        { name: 'actions', description: 'Operator actions: trigger, cancel, retry, clear, mark, approve, pause, archive, deploy, backfills (each one event through the coordinators)' },
        { name: 'access', description: 'API tokens and the audit log (admins)' },
        { name: 'pools', description: 'Pools: named slot budgets shared by every workflow (read by readers, changed by admins)' },
      ],
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: jsonSchemaTransformObject,
  })
  const assets = deps.docsAssetsDir ?? installedSwaggerUiAssets()
  if (assets) {
    void app.register(swaggerUi, {
      routePrefix: '/docs',
      baseDir: assets,
      logo: { type: 'image/svg+xml', content: readFileSync(join(assets, 'logo.svg')) },
      // The page runs swagger-ui's scripts: its own CSP (script and style hashes from the
      // package), without upgrade-insecure-requests so it also works over plain http locally.
      staticCSP: true,
      transformStaticCSP: (header: string) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
      uiConfig: { deepLinking: true, persistAuthorization: false },
    })
  } else {
    log.warn('the API reference page (/docs) is not served: @fastify/swagger-ui assets not found')
  }
  void app.register(async (scope) => {
    const routes = scope.withTypeProvider<ZodTypeProvider>()
    routes.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
    await registerRoutes(routes, { db: deps.db, nc: deps.nc, js: jetstreamClient(deps.nc), subjects: deps.subjects, config, log }, deps.routes ?? ROUTE_MODULES)
    await serveUi(routes, { uiDir: config.uiDir ?? deps.uiDir ?? installedUiDir(), log, ...(config.oidc?.ui ? { oidcIssuer: config.oidc.issuer } : {}) })
  })
  return app
}

/** The `static/` folder of the installed @fastify/swagger-ui, or undefined when it cannot be found. */
function installedSwaggerUiAssets(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')), 'static')
    return existsSync(join(dir, 'logo.svg')) ? dir : undefined
  } catch {
    return undefined
  }
}

/** Options of `startApi`. */
export interface StartApiOptions {
  readonly config?: ApiConfig
  readonly logger?: Logger
  /** Use this connection instead of opening one (it is not closed by `close()`). */
  readonly nc?: NatsConnection
  /**
   * How long start-up keeps retrying to reach Postgres and NATS (with backoff, each failure
   * logged at warn) before `startApi` rejects with the last failure. Default: for as long as the
   * process lives. 0: one attempt each.
   */
  readonly startupTimeoutMs?: number
  /** Aborting it during start-up stops the retries: `startApi` rejects with a RetryAbortedError. */
  readonly signal?: AbortSignal
  /** See `ApiServerDeps.docsAssetsDir`. */
  readonly docsAssetsDir?: string
  /** See `ApiServerDeps.uiDir`. */
  readonly uiDir?: string
}

/** A listening API. */
export interface RunningApi {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  /** Stops accepting requests, finishes those in flight, closes the connections it opened. */
  close(): Promise<void>
}

/**
 * Starts the API: reaches Postgres (creating and migrating the namespace's schema, as the
 * coordinator does: the API writes tokens and the audit log) and NATS with start-up retries,
 * ensures the namespace's streams, then listens on `config.host:config.port`. A port already in
 * use rejects with the listen error (code EADDRINUSE).
 */
export async function startApi(options: StartApiOptions = {}): Promise<RunningApi> {
  const config = options.config ?? loadApiConfig()
  const baton = config.baton
  const log = (options.logger ?? createLogger({ level: baton.logLevel })).child({ component: 'api', namespace: baton.namespace })
  const startup = startupRetryBudget({ logger: log, ...(options.signal ? { signal: options.signal } : {}), ...(options.startupTimeoutMs !== undefined ? { startupTimeoutMs: options.startupTimeoutMs } : {}), code: 'API_OPTIONS_INVALID' })
  await retryWithBackoff(
    async () => {
      await ensureDatabase(baton.databaseUrl)
      await migrateToLatest(baton.databaseUrl, baton.namespace)
    },
    { ...startup(), what: `Postgres at ${withoutPassword(baton.databaseUrl)}` },
  )
  const subjects = subjectsFor(baton.namespace)
  const natsAt = `NATS at ${natsConnectionOptions(baton.natsUrl).servers.join(',')}`
  const nc = options.nc ?? (await retryWithBackoff(() => connectNats(baton.natsUrl, 'baton-api'), { ...startup(), what: natsAt, dispose: (c) => c.close() }))
  const db = createDb(baton.databaseUrl, baton.namespace, { max: 10, applicationName: `baton-api:${baton.namespace}` })
  const release = async (): Promise<void> => {
    await db.destroy()
    if (!options.nc) await nc.drain().catch(() => {})
  }
  let app: ZodApp | undefined
  try {
    await retryWithBackoff(() => ensureStreams(nc, subjects, { replicas: baton.streamReplicas }), { ...startup(), what: `JetStream at ${natsAt}` })
    app = buildApiServer({ db, nc, subjects, config, logger: log, ...(options.docsAssetsDir ? { docsAssetsDir: options.docsAssetsDir } : {}), ...(options.uiDir ? { uiDir: options.uiDir } : {}) })
    await app.listen({ port: config.port, host: config.host })
  } catch (e) {
    await app?.close().catch(() => {})
    await release()
    throw e
  }
  const url = listenUrl(config.host, (app.server.address() as AddressInfo).port)
  log.info({ url }, 'api started')
  let closing: Promise<void> | undefined
  const server = app
  return {
    url,
    close() {
      closing ??= (async () => {
        await server.close()
        await release()
        log.info('api stopped')
      })()
      return closing
    },
  }
}

/** A URL a client on this machine can use for the address the server listens on. */
function listenUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`
  if (host === '::') return `http://[::1]:${port}`
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
