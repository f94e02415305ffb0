import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db, JetStreamClient, Logger, NatsConnection, Subjects } from '@baton/shared'
import type { ApiConfig } from '../config.js'

/** What route modules use: the connections and settings of this API process. */
export interface RouteDeps {
  readonly db: Db
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly subjects: Subjects
  readonly config: ApiConfig
  readonly log: Logger
}

/** The Fastify instance route modules register on, typed by the zod schemas of each route. */
export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>

/** A module of routes: registers its routes on `app`. */
export type RouteModule = (app: ZodApp, deps: RouteDeps) => void | Promise<void>

/**
 * The names a list route may show to the caller, given what it asked for (`wanted`, undefined:
 * everything) and what it may read (`readable`): undefined when nothing needs filtering.
 */
export function visibleNames(readable: 'all' | Set<string>, wanted?: readonly string[]): string[] | undefined {
  if (readable === 'all') return wanted ? [...wanted] : undefined
  return wanted ? wanted.filter((n) => readable.has(n)) : [...readable]
}
