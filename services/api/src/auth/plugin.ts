import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { appendAudit, toError, type Db, type Logger } from '@baton/shared'
import { sendRateLimited } from '../errors.js'
import type { Authenticator } from './authenticate.js'
import { AuthenticationError } from './errors.js'
import { readableNames, requirePermission, resolveScope, type RequestAccess, type ScopeSource } from './route-access.js'
import type { Permission, Principal } from './types.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs (every route but public ones declares it; see auth/route-access.ts). */
    permission?: Permission
    /** Where the route's workflow comes from (default `global`). */
    scope?: ScopeSource
    /** No credential needed: health checks and the API's own documentation. */
    public?: boolean
    /** The action name the audit log records (default `<METHOD> <route>`), e.g. `run.retry`. */
    audit?: string
    /** Audit this route's GETs too (admin reads of the audit log and tokens). */
    auditReads?: boolean
  }
  interface FastifyRequest {
    /** Who is calling (null on public routes and before authentication). */
    principal: Principal | null
    /** The access check's decision (null on public routes, and when it refused). */
    access: RequestAccess | null
    /** Why the request failed, for the audit log (set by the error path). */
    failureReason: string | null
  }
}

/** Options of the access-control plugin. */
export interface AuthPluginOptions {
  readonly db: Db
  readonly authenticator: Authenticator
  readonly log: Logger
  /** Failed authentications allowed per client address per minute before 429. */
  readonly failuresPerMinute: number
}

/** URL prefixes served without a credential besides routes marked `public` (the reference page's assets). */
// The API's reference page and the web UI's static assets (its pages are public routes too).
const PUBLIC_PREFIXES = ['/docs', '/assets']

function isPublic(request: FastifyRequest): boolean {
  // Unknown routes answer 404 to anyone; CORS preflights carry no credential by design.
  if (request.is404 || request.method === 'OPTIONS') return true
  const config = request.routeOptions.config
  return config.public === true || PUBLIC_PREFIXES.some((p) => request.routeOptions.url === p || request.routeOptions.url?.startsWith(`${p}/`))
}

/** Whether a request is written to the audit log: every denial, every change, and admin reads. */
function audited(request: FastifyRequest, status: number): boolean {
  if (request.is404 || status === 429) return false
  if (status === 401 || status === 403) return true
  if (isPublic(request)) return false
  return !['GET', 'HEAD', 'OPTIONS'].includes(request.method) || request.routeOptions.config.auditReads === true
}

function auditResult(status: number): 'ok' | 'denied' | 'failed' | 'unauthenticated' {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'denied'
  return status < 400 ? 'ok' : 'failed'
}

/**
 * Access control for every route (docs/api.md, "Authentication"; docs/access-control.md):
 *
 * - `onRoute`: a route that declares neither a `permission` nor `public: true` is refused at
 *   start-up, so no route is left open by mistake;
 * - `onRequest`: authenticates `Authorization: Bearer …` (401 without a credential or with a bad
 *   one); failed authentications are counted per client address and past the limit answered 429
 *   before the credential is even looked at;
 * - `preHandler` (after the request is validated): resolves the resource's workflow and owner
 *   from the route's path parameters and authorizes (404 for an unknown id, 403 naming the
 *   missing permission);
 * - `onSend`: writes the audit line of every denial and every non-GET request before the answer
 *   leaves, so a client that got an answer finds the line (a failure to write it is logged).
 *
 * It registers on the instance it is given (not encapsulated), so it covers the routes of
 * every plugin registered after it.
 */
export async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const { db, authenticator, log } = options
  // @fastify/rate-limit's counter (in this process: each replica limits on its own), consumed
  // only by failures; a peek decides whether a request is refused.
  await app.register(rateLimit, { global: false })
  const failures = app.createRateLimit({ max: options.failuresPerMinute, timeWindow: 60_000 })

  app.decorateRequest('principal', null)
  app.decorateRequest('access', null)
  app.decorateRequest('failureReason', null)

  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as { permission?: Permission; public?: boolean }
    const docs = PUBLIC_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`))
    if (!config.permission && config.public !== true && !docs && route.method !== 'OPTIONS') {
      throw new Error(`route ${String(route.method)} ${route.url} declares neither config.permission nor config.public`)
    }
  })

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isPublic(request)) return
    const limit = await failures(request, { increment: false })
    if (!limit.isAllowed && (limit.isExceeded || limit.remaining === 0)) {
      log.warn({ clientAddress: request.ip, url: request.routeOptions.url }, 'too many failed authentications: request refused')
      return sendRateLimited(reply, limit.ttlInSeconds)
    }
    try {
      request.principal = await authenticator.authenticate(request.headers.authorization)
    } catch (e) {
      const err = toError(e)
      if (!(err instanceof AuthenticationError) && (err as { code?: string }).code?.toLowerCase() !== 'unauthenticated') throw err
      await failures(request)
      throw err instanceof AuthenticationError ? err : new AuthenticationError(err.message, { cause: err })
    }
    if (request.principal === null) throw new AuthenticationError('no credential: send Authorization: Bearer <token>')
  })

  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (isPublic(request)) return
    // onRequest already refused a request without a principal; this only keeps it fail-closed.
    if (request.principal === null) throw new AuthenticationError('no credential: send Authorization: Bearer <token>')
    const config = request.routeOptions.config
    const source = config.scope ?? 'global'
    const { scope, resource } = await resolveScope(db, source, (request.params ?? {}) as Record<string, unknown>)
    const role = requirePermission(request.principal, config.permission!, source, scope)
    request.access = { principal: request.principal, role, scope, resource }
  })

  app.addHook('onError', async (request: FastifyRequest, _reply: FastifyReply, error: Error) => {
    request.failureReason = error.message
  })

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const status = reply.statusCode
    if (!audited(request, status)) return payload
    const config = request.routeOptions.config
    const params = (request.params ?? {}) as Record<string, unknown>
    try {
      await appendAudit(db, {
        actor: request.principal?.id ?? 'anonymous',
        role: request.access?.role ?? null,
        action: config.audit ?? `${request.method} ${request.routeOptions.url ?? request.url}`,
        resource: request.access?.resource ?? resourceOf(config.scope, params),
        params: { params, query: request.query ?? {}, ...(request.body !== undefined ? { body: request.body } : {}) },
        result: auditResult(status),
        status,
        reason: status >= 400 ? (request.failureReason ?? null) : null,
        clientAddress: request.ip,
      })
    } catch (e) {
      log.error({ err: toError(e), url: request.routeOptions.url, status }, 'could not write the audit log line of a request')
    }
    return payload
  })

  /** For list routes: which workflows the caller may use `permission` on. */
  app.decorateRequest('readable', function (this: FastifyRequest, permission?: Permission) {
    if (!this.principal) return Promise.resolve(new Set<string>())
    return readableNames(db, this.principal, permission ?? this.routeOptions.config.permission ?? 'read')
  })
}
// Not encapsulated: the hooks apply to every route registered after it (what fastify-plugin does).
Object.assign(authPlugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'baton-auth' })

declare module 'fastify' {
  interface FastifyRequest {
    /** The workflows the caller may use `permission` (default: the route's) on: `'all'` or their names. */
    readable(permission?: Permission): Promise<'all' | Set<string>>
  }
}

/** The resource of a request that was refused before its scope was resolved (from its path parameters). */
function resourceOf(source: ScopeSource | undefined, params: Record<string, unknown>): string | null {
  if (source === 'workflow' && typeof params.name === 'string') return `workflow:${params.name}`
  if ((source === 'run' || source === 'backfill') && typeof params.id === 'string') return `${source}:${params.id}`
  return null
}
