import { z } from 'zod'
import { migrationStatus, toError } from '@baton/shared'
import type { RouteDeps, ZodApp } from './route-deps.js'

const CHECK_TIMEOUT_MS = 2000

const CheckSchema = z.object({ ok: z.boolean(), error: z.string().optional() })
const ReadySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    postgres: CheckSchema,
    nats: CheckSchema,
    migrations: CheckSchema.extend({ pending: z.array(z.string()), unknown: z.array(z.string()).describe('Applied by a newer Baton: reported, not a reason to be unready') }),
  }),
})

/** Resolves with `work`, or rejects after `ms` (a dependency that hangs is as bad as one that is down). */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * `GET /healthz` (the process is up: a liveness probe) and `GET /readyz` (Postgres and NATS
 * answer and the schema is migrated: a readiness probe). Both public; neither says more than
 * which dependency failed.
 */
export function healthRoutes(app: ZodApp, deps: RouteDeps): void {
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  })

  app.get('/readyz', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Postgres and NATS answer and migrations are applied', response: { 200: ReadySchema, 503: ReadySchema } },
    handler: async (_request, reply) => {
      // One catalogue read answers both: Postgres is up, and how its schema stands.
      const status = await within(migrationStatus(deps.db, deps.config.baton.namespace), CHECK_TIMEOUT_MS, 'Postgres').catch((e: unknown) => toError(e))
      const postgres = status instanceof Error ? { ok: false, error: failure('Postgres', status, deps) } : { ok: true }
      const nats = await (deps.nc.isClosed() ? Promise.reject(new Error('connection closed')) : within(deps.nc.flush(), CHECK_TIMEOUT_MS, 'NATS'))
        .then(() => ({ ok: true }))
        .catch((e: unknown) => ({ ok: false, error: failure('NATS', e, deps) }))
      const migrations =
        status instanceof Error
          ? { ok: false, pending: [], unknown: [], error: 'Postgres is not reachable' }
          : {
              ok: status.schemaExists && status.pending.length === 0,
              pending: [...status.pending],
              unknown: [...status.unknown],
              ...(status.schemaExists ? (status.pending.length ? { error: `${status.pending.length} migration(s) not applied yet` } : {}) : { error: 'the namespace has no schema yet' }),
            }
      const ready = postgres.ok && nats.ok && migrations.ok
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { postgres, nats, migrations } })
    },
  })
}

/** The failure of a check in a few public words; the detail goes to the log only. */
function failure(what: string, e: unknown, deps: RouteDeps): string {
  deps.log.warn({ err: toError(e) }, `readiness check: ${what} failed`)
  return `${what} is not reachable`
}
