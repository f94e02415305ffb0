import { z } from 'zod'
import {
  activeVersion,
  getBackfillStatus,
  NotFoundError,
  partitionsInRange,
  publishJson,
  resolveRunParams,
  ValidationError,
  withPartitionParam,
  workflowOwners,
  type BackfillCancelRequested,
  type BackfillRequested,
} from '@baton/shared'
import { actionEventId, waitUntil } from '../actions/event-outcome.js'
import { authorizeWorkflow } from '../auth/route-access.js'
import { ConflictError, ErrorResponseSchema } from '../errors.js'
import { bearer, errorResponses, Partition, Uuid, WorkflowName } from '../schemas/common.js'
import { IdempotencyHeaders, WaitQuery } from './run-actions.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

const BackfillActionResultSchema = z
  .object({
    backfillId: z.string(),
    outcome: z.enum(['applied', 'pending']),
    status: z.string().nullable().describe('The backfill status now (null while no coordinator has created it)'),
  })
  .meta({ id: 'BackfillActionResult' })

const Rerun = z.enum(['missing', 'failed', 'all'])

/** Start, cancel and rerun backfills (each one event through the coordinator). */
export function backfillActionRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db, subjects } = deps
  const responses = { 200: BackfillActionResultSchema, 202: BackfillActionResultSchema, ...errorResponses, 409: ErrorResponseSchema } as const

  /** Validates a backfill as its first run will be validated, sends it, waits for the coordinator. */
  async function start(request: { query: { wait: number } }, reply: { code(n: number): unknown }, b: BackfillRequested) {
    const wf = await activeVersion(db, b.workflow)
    const range = partitionsInRange(wf.partitionKind, b.from, b.to, deps.config.baton.backfillMaxPartitions)
    if (!Array.isArray(range)) throw new ValidationError([{ path: 'body.from', reason: range.error }])
    const resolved = resolveRunParams(wf, withPartitionParam(wf, { params: b.params ?? {}, partition: range[0]!, trigger: 'backfill' }))
    if (!resolved.ok) throw new ValidationError(resolved.issues.map((i) => ({ path: `body.params${i.path ? `.${i.path}` : ''}`, reason: i.reason })))
    await publishJson(deps.js, subjects.backfillRequested, b.id, b)
    const status = await waitUntil(() => getBackfillStatus(db, b.id), request.query.wait * 1000)
    reply.code(status ? 200 : 202)
    return { backfillId: b.id, outcome: status ? ('applied' as const) : ('pending' as const), status: status?.status ?? null }
  }

  app.post('/backfills', {
    config: { permission: 'backfill', scope: 'each', audit: 'backfill.start' },
    schema: {
      tags: ['actions'],
      summary: 'Start a backfill: one run per partition in [from, to], at most `concurrency` at once',
      security: bearer,
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({
        workflow: WorkflowName,
        from: Partition,
        to: Partition,
        concurrency: z.number().int().min(1).max(1000).default(4),
        rerun: Rerun.default('missing').describe('missing: partitions never run; failed: also those whose latest run failed or was cancelled; all: every partition without an active run'),
        params: z.record(z.string(), z.unknown()).optional(),
      }),
      response: responses,
    },
    handler: async (request, reply) => {
      const { workflow } = request.body
      const owner = (await workflowOwners(db, [workflow]))[0]
      if (!owner) throw new NotFoundError('workflow', workflow)
      authorizeWorkflow(request, 'backfill', { workflow, owner: owner.owner })
      // A backfill's id is its request id, a UUID: from the idempotency key when given.
      const id = idempotentUuid(actionEventId(request.access!.principal.id, 'backfill', workflow, request.headers['idempotency-key']))
      return start(request, reply, { id, ...request.body })
    },
  })

  app.post('/backfills/:id/cancel', {
    config: { permission: 'backfill', scope: 'backfill', audit: 'backfill.cancel' },
    schema: {
      tags: ['actions'],
      summary: 'Cancel a backfill: its queued and running runs are cancelled',
      security: bearer,
      params: z.strictObject({ id: Uuid }),
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({ reason: z.string().min(1).max(2000).optional() }).default({}),
      response: responses,
    },
    handler: async (request, reply) => {
      const { id } = request.params
      const before = await getBackfillStatus(db, id)
      if (!before) throw new NotFoundError('backfill', id)
      if (before.status !== 'running') throw new ConflictError(`backfill ${id} is ${before.status}: only a running backfill is cancelled`)
      const body: BackfillCancelRequested = { id: actionEventId(request.access!.principal.id, 'backfill.cancel', id, request.headers['idempotency-key']), backfillId: id, reason: request.body.reason ?? `cancelled by ${request.access!.principal.id}` }
      await publishJson(deps.js, subjects.backfillCancelRequested, body.id, body)
      const after = await waitUntil(async () => {
        const s = await getBackfillStatus(db, id)
        return s && s.status !== 'running' ? s : undefined
      }, request.query.wait * 1000)
      reply.code(after ? 200 : 202)
      return { backfillId: id, outcome: after ? ('applied' as const) : ('pending' as const), status: (after ?? before).status }
    },
  })

  app.post('/backfills/:id/rerun', {
    config: { permission: 'backfill', scope: 'backfill', audit: 'backfill.rerun' },
    schema: {
      tags: ['actions'],
      summary: 'Rerun a backfill: a new backfill over the same workflow, range, concurrency and params; `rerun` (default failed) picks the partitions',
      security: bearer,
      params: z.strictObject({ id: Uuid }),
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({ rerun: Rerun.default('failed') }).default({ rerun: 'failed' }),
      response: responses,
    },
    handler: async (request, reply) => {
      const { id } = request.params
      const old = await getBackfillStatus(db, id)
      if (!old) throw new NotFoundError('backfill', id)
      if (old.status === 'running') throw new ConflictError(`backfill ${id} is still running: cancel it first, or wait`)
      const params = await db.selectFrom('runs').select('params').where('backfill_id', '=', id).limit(1).executeTakeFirst()
      const newId = idempotentUuid(actionEventId(request.access!.principal.id, 'backfill.rerun', id, request.headers['idempotency-key']))
      return start(request, reply, { id: newId, workflow: old.workflow, from: old.from, to: old.to, concurrency: old.concurrency, rerun: request.body.rerun, ...(params?.params ? { params: params.params as Record<string, unknown> } : {}) })
    },
  })
}

/** A UUID derived from an event id (backfill ids are UUIDs): the same key, the same backfill. */
function idempotentUuid(eventId: string): string {
  if (/^[0-9a-f]{8}-/.test(eventId)) return eventId
  const h = eventId.replace(/^api\./, '').padEnd(32, '0').slice(0, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
