import { z } from 'zod'
import {
  activeVersion,
  getRunDetails,
  listRuns,
  newId,
  parsePartition,
  publishJson,
  resolveRunParams,
  runIdByKey,
  TERMINAL_RUN_STATUSES,
  ValidationError,
  workflowOwners,
  type RunActionRequested,
  type RunRequested,
  type ValidationIssue,
} from '@baton/shared'
import { actionEventId, waitForRunEvent, waitUntil } from '../actions/event-outcome.js'
import { authorizeWorkflow, requirePermission } from '../auth/route-access.js'
import { ErrorResponseSchema } from '../errors.js'
import { bearer, errorResponses, Label, Partition, RunStatusSchema, TimeQuery, WorkflowName } from '../schemas/common.js'
import { IdempotencyHeaders, WaitQuery } from './run-actions.js'
import { visibleNames, type RouteDeps, type ZodApp } from './route-deps.js'

/** Most runs one bulk action touches (the rest are left for another request: `remaining`). */
export const BULK_MAX = 1000

const TriggerResultSchema = z
  .object({
    runId: z.string().nullable().describe('The run (null while no coordinator has created it: 202)'),
    created: z.boolean().describe('false when the idempotency key named a run that already existed'),
    idempotencyKey: z.string(),
  })
  .meta({ id: 'TriggerResult' })

const BulkFilterSchema = z.strictObject({
  workflow: WorkflowName.optional(),
  status: z.array(RunStatusSchema).min(1).max(5).optional(),
  partition: Partition.optional(),
  owner: Label.optional(),
  since: TimeQuery.optional().describe('Created at or after'),
  until: TimeQuery.optional().describe('Created before'),
})

const BulkResultSchema = z
  .object({
    action: z.enum(['retry', 'cancel']),
    dryRun: z.boolean(),
    matched: z.number().int().describe('Runs the filter matched (that the caller may act on), up to `limit`'),
    remaining: z.boolean().describe('More runs match beyond `limit`: send the request again'),
    results: z.array(z.object({ runId: z.string(), workflow: z.string(), status: z.string(), outcome: z.enum(['would_apply', 'skipped', 'applied', 'ignored', 'pending']), reason: z.string().nullable() })),
  })
  .meta({ id: 'BulkResult' })

/** Trigger a run, and bulk actions over a filter (retry, cancel) with a dry run. */
export function triggerActionRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db, subjects } = deps

  app.post('/runs', {
    config: { permission: 'trigger', scope: 'each', audit: 'run.trigger' },
    schema: {
      tags: ['actions'],
      summary: 'Trigger a run; params are validated against the workflow’s params schema; the idempotency key makes a repeat the same run',
      security: bearer,
      querystring: WaitQuery,
      body: z.strictObject({
        workflow: WorkflowName,
        partition: Partition.optional(),
        params: z.record(z.string(), z.unknown()).default({}),
        idempotencyKey: z.string().min(1).max(200).optional(),
      }),
      response: { 200: TriggerResultSchema, 201: TriggerResultSchema, 202: TriggerResultSchema, ...errorResponses, 409: ErrorResponseSchema },
    },
    handler: async (request, reply) => {
      const { workflow, partition, params, idempotencyKey } = request.body
      const owner = (await workflowOwners(db, [workflow]))[0]
      // Scope first (404 for an unknown name, 403 outside the caller's grants), then the rest.
      const wf = await activeVersion(db, workflow)
      authorizeWorkflow(request, 'trigger', { workflow, owner: owner?.owner ?? null })
      const issues: ValidationIssue[] = []
      const resolved = resolveRunParams(wf, params)
      if (!resolved.ok) issues.push(...resolved.issues.map((i) => ({ path: `body.params${i.path ? `.${i.path}` : ''}`, reason: i.reason })))
      if (partition !== undefined) {
        const p = parsePartition(wf.partitionKind, partition)
        if (!p.ok) issues.push({ path: 'body.partition', reason: `"${partition}" is not a ${wf.partitionKind} partition: ${p.reason}` })
      }
      if (issues.length > 0) throw new ValidationError(issues)
      const key = idempotencyKey ?? newId()
      const existing = await runIdByKey(db, workflow, key)
      if (existing) return reply.code(200).send({ runId: existing, created: false, idempotencyKey: key })
      const runRequest: RunRequested = { id: actionEventId(request.access!.principal.id, 'trigger', workflow, key), workflow, params, idempotencyKey: key, trigger: 'api', ...(partition ? { partition } : {}) }
      await publishJson(deps.js, subjects.runRequested, runRequest.id, runRequest)
      const runId = await waitUntil(() => runIdByKey(db, workflow, key), request.query.wait * 1000)
      return reply.code(runId ? 201 : 202).send({ runId: runId ?? null, created: true, idempotencyKey: key })
    },
  })

  app.post('/runs/bulk', {
    config: { permission: 'read', scope: 'each', audit: 'run.bulk' },
    schema: {
      tags: ['actions'],
      summary: 'Retry from failure, or cancel, every run a filter matches (e.g. every failed run of daily_revenue since Monday); `dryRun: true` only counts and lists them',
      description: 'Only runs of workflows the caller may retry (resp. cancel) are matched. Runs in a status where the action makes no sense are listed as `skipped` with the reason. Newest first, at most `limit` per request.',
      security: bearer,
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({
        action: z.enum(['retry', 'cancel']),
        filter: BulkFilterSchema,
        dryRun: z.boolean().describe('Required: true to count and list only'),
        reason: z.string().min(1).max(2000).optional(),
        limit: z.number().int().min(1).max(BULK_MAX).default(100),
      }),
      response: { 200: BulkResultSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { action, filter, dryRun, reason, limit } = request.body
      const permission = action === 'retry' ? 'retry' : 'cancel'
      const principal = request.access!.principal
      // A caller with the permission on no workflow at all is refused (403 naming it), not answered with nothing.
      request.access = { ...request.access!, role: requirePermission(principal, permission, 'each', {}) }
      const owned = filter.owner === undefined ? undefined : (await workflowOwners(db)).filter((w) => w.owner === filter.owner).map((w) => w.name)
      const workflows = visibleNames(await request.readable(permission), owned)
      const rows = await listRuns(db, {
        ...(filter.workflow ? { workflow: filter.workflow } : {}),
        ...(workflows ? { workflows } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.partition ? { partition: filter.partition } : {}),
        ...(filter.since ? { since: filter.since } : {}),
        ...(filter.until ? { until: filter.until } : {}),
        limit: limit + 1,
      })
      const runs = rows.slice(0, limit)
      const applicable = (status: string) => (action === 'retry' ? status === 'failed' || status === 'cancelled' : !TERMINAL_RUN_STATUSES.includes(status as never))
      const sent: { runId: string; eventId: string }[] = []
      const results = []
      for (const r of runs) {
        if (!applicable(r.status)) {
          results.push({ runId: r.id, workflow: r.workflow, status: r.status, outcome: 'skipped' as const, reason: `run is ${r.status}` })
          continue
        }
        if (dryRun) {
          results.push({ runId: r.id, workflow: r.workflow, status: r.status, outcome: 'would_apply' as const, reason: null })
          continue
        }
        const id = actionEventId(principal.id, `bulk:${action}`, r.id, request.headers['idempotency-key'])
        if (action === 'retry') {
          const body: RunActionRequested = { id, runId: r.id, action: 'retry', scope: 'task', by: principal.id, ...(reason ? { reason } : {}) }
          await publishJson(deps.js, subjects.runActionRequested, id, body)
        } else {
          await publishJson(deps.js, subjects.runCancelRequested, id, { id, runId: r.id, reason: reason ?? `cancelled by ${principal.id} (bulk)` })
        }
        sent.push({ runId: r.id, eventId: id })
        results.push({ runId: r.id, workflow: r.workflow, status: r.status, outcome: 'pending' as const, reason: null })
      }
      // One wait for the whole batch: each run's record is polled until the shared deadline.
      const deadline = Date.now() + request.query.wait * 1000
      for (const s of sent) {
        const o = await waitForRunEvent(db, s.runId, s.eventId, Math.max(0, deadline - Date.now()))
        const item = results.find((x) => x.runId === s.runId)!
        Object.assign(item, { outcome: o.outcome, reason: o.outcome === 'ignored' ? o.reason : null, status: (await getRunDetails(db, s.runId))?.status ?? item.status })
      }
      return { action, dryRun, matched: runs.length, remaining: rows.length > limit, results }
    },
  })
}
