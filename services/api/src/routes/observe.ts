import { z } from 'zod'
import { getBackfillStatus, getFreshness, listAlerts, listBackfills, listDeadLetters, listLandings, NotFoundError, sourcesOfWorkflows } from '@baton/shared'
import { bearer, errorResponses, Label, limitQuery, Partition, TimeQuery, Uuid, WorkflowName } from '../schemas/common.js'
import { AlertSchema, BackfillSchema, DeadLetterSchema, LandingPageSchema } from '../schemas/observe.js'
import { FreshnessSchema } from '../schemas/workflows.js'
import { visibleNames, type RouteDeps, type ZodApp } from './route-deps.js'

/**
 * What happens around runs: source landings, backfills, alerts, freshness and dead letters.
 * Lists keep to the workflows the caller may read: landings of the sources those workflows wait
 * for or produce, backfills and alerts of those workflows. Dead letters belong to no workflow:
 * only an unscoped grant reads them.
 */
export function observeRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  app.get('/landings', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['sources'],
      summary: 'Source landings, newest first',
      security: bearer,
      querystring: z.strictObject({
        source: Label.optional(),
        partition: Partition.optional(),
        since: TimeQuery.optional().describe('Received at or after'),
        cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor from a previous page').optional(),
        limit: limitQuery(500, 100),
      }),
      response: { 200: LandingPageSchema, ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query
      const readable = await request.readable()
      const sources = readable === 'all' ? undefined : await sourcesOfWorkflows(db, [...readable])
      const rows = await listLandings(db, {
        ...(q.source ? { source: q.source } : {}),
        ...(sources ? { sources } : {}),
        ...(q.partition ? { partition: q.partition } : {}),
        ...(q.since ? { since: q.since } : {}),
        ...(q.cursor ? { before: Number(q.cursor) } : {}),
        limit: q.limit + 1,
      })
      const items = rows.slice(0, q.limit)
      return { items, nextCursor: rows.length > q.limit ? String(items.at(-1)!.id) : null }
    },
  })

  app.get('/backfills', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['backfills'],
      summary: 'Backfills with their progress, newest first',
      security: bearer,
      querystring: z.strictObject({ workflow: WorkflowName.optional(), limit: limitQuery(500, 100) }),
      response: { 200: z.object({ items: z.array(BackfillSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const workflows = visibleNames(await request.readable())
      const items = await listBackfills(db, { ...(request.query.workflow ? { workflow: request.query.workflow } : {}), ...(workflows ? { workflows } : {}), limit: request.query.limit })
      return { items }
    },
  })

  app.get('/backfills/:id', {
    config: { permission: 'read', scope: 'backfill' },
    schema: {
      tags: ['backfills'],
      summary: 'A backfill with its progress (runs by status)',
      security: bearer,
      params: z.strictObject({ id: Uuid }),
      response: { 200: BackfillSchema, ...errorResponses },
    },
    handler: async (request) => {
      const backfill = await getBackfillStatus(db, request.params.id)
      if (!backfill) throw new NotFoundError('backfill', request.params.id)
      return backfill
    },
  })

  app.get('/alerts', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['alerts'],
      summary: 'Alerts with their deliveries per channel, most recent first',
      security: bearer,
      querystring: z.strictObject({
        status: z.enum(['firing', 'resolved', 'expired']).optional().describe('firing (open), resolved or expired'),
        workflow: WorkflowName.optional(),
        since: TimeQuery.optional().describe('Raised or repeated at or after'),
        limit: limitQuery(500, 100),
      }),
      response: { 200: z.object({ items: z.array(AlertSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query
      const workflows = visibleNames(await request.readable())
      const items = await listAlerts(db, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.workflow ? { workflow: q.workflow } : {}),
        ...(workflows ? { workflows } : {}),
        ...(q.since ? { since: q.since } : {}),
        limit: q.limit,
      })
      return { items }
    },
  })

  app.get('/freshness', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['workflows'],
      summary: 'Freshness of each active workflow’s data: complete, partial, failed, stale or unknown, and what is missing',
      security: bearer,
      querystring: z.strictObject({
        workflow: WorkflowName.optional(),
        owner: Label.optional(),
        state: z.enum(['complete', 'partial', 'failed', 'stale', 'unknown']).optional(),
      }),
      response: { 200: z.object({ items: z.array(FreshnessSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query
      const readable = await request.readable()
      const all = await getFreshness(db, new Date(), q.workflow)
      const items = all.filter((f) => (readable === 'all' || readable.has(f.workflow)) && (q.owner === undefined || f.owner === q.owner) && (q.state === undefined || f.state === q.state))
      return { items }
    },
  })

  app.get('/dead-letters', {
    config: { permission: 'read' },
    schema: {
      tags: ['operations'],
      summary: 'Messages the coordinator could not apply, newest first (an unscoped grant only: they belong to no workflow)',
      security: bearer,
      querystring: z.strictObject({ since: TimeQuery.optional(), limit: limitQuery(500, 100) }),
      response: { 200: z.object({ items: z.array(DeadLetterSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const items = await listDeadLetters(db, { ...(request.query.since ? { since: request.query.since } : {}), limit: request.query.limit })
      return { items }
    },
  })
}
