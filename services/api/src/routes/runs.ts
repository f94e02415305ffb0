import { z } from 'zod'
import { getRunDetails, listRuns, NotFoundError, requireRunTask, traceIdForRun, workflowOwners, type RunDetails } from '@baton/shared'
import { allowedPermissions } from '../auth/permissions.js'
import { readTaskLogPage } from '../logs/task-log-page.js'
import { bearer, errorResponses, Label, limitQuery, Partition, RunStatusSchema, RunTriggerSchema, TaskOrInstanceId, TimeQuery, Uuid, WorkflowName } from '../schemas/common.js'
import { RunDetailsSchema, RunPageSchema, TaskLogPageSchema } from '../schemas/runs.js'
import { visibleNames, type RouteDeps, type ZodApp } from './route-deps.js'

const RunParams = z.strictObject({ id: Uuid })

/** Runs: the filtered, paged list; one run with its tasks and attempts; a task's logs. */
export function runRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  app.get('/runs', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['runs'],
      summary: 'Runs the caller may read, newest first (created_at desc, id desc), a page at a time',
      description: 'Filters combine (AND); `status` may be repeated (`?status=failed&status=cancelled`). Pass `nextCursor` back as `cursor` for the next page: the order is stable, so a page never repeats or skips a run created before the first one was read.',
      security: bearer,
      querystring: z.strictObject({
        workflow: WorkflowName.optional(),
        status: z.union([RunStatusSchema, z.array(RunStatusSchema).max(5)]).optional(),
        partition: Partition.optional(),
        owner: Label.optional().describe('Only runs of workflows with this owner'),
        trigger: RunTriggerSchema.optional(),
        since: TimeQuery.optional().describe('Created at or after'),
        until: TimeQuery.optional().describe('Created before'),
        cursor: Uuid.optional().describe('`nextCursor` of the previous page'),
        limit: limitQuery(500, 100),
      }),
      response: { 200: RunPageSchema, ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query
      const owned = q.owner === undefined ? undefined : (await workflowOwners(db)).filter((w) => w.owner === q.owner).map((w) => w.name)
      const workflows = visibleNames(await request.readable(), owned)
      const rows = await listRuns(db, {
        ...(q.workflow ? { workflow: q.workflow } : {}),
        ...(workflows ? { workflows } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.partition ? { partition: q.partition } : {}),
        ...(q.trigger ? { trigger: q.trigger } : {}),
        ...(q.since ? { since: q.since } : {}),
        ...(q.until ? { until: q.until } : {}),
        ...(q.cursor ? { after: q.cursor } : {}),
        limit: q.limit + 1,
      })
      const items = rows.slice(0, q.limit)
      return { items, nextCursor: rows.length > q.limit ? items.at(-1)!.id : null }
    },
  })

  app.get('/runs/:id', {
    config: { permission: 'read', scope: 'run' },
    schema: {
      tags: ['runs'],
      summary: 'A run with its tasks and their attempts: status, times, queue wait, worker, output, error, check verdict, inputs; the trace id and link',
      security: bearer,
      params: RunParams,
      response: { 200: RunDetailsSchema, ...errorResponses },
    },
    handler: async (request) => {
      const run = await getRunDetails(db, request.params.id)
      if (!run) throw new NotFoundError('run', request.params.id)
      return { ...runView(run, deps.config.traceUrl), allowed: allowedPermissions(request.access!.principal, request.access!.scope) }
    },
  })

  app.get('/runs/:id/tasks/:taskId/logs', {
    config: { permission: 'read', scope: 'run' },
    schema: {
      tags: ['runs'],
      summary: 'A page of a task’s captured logs (every attempt, or one), oldest first',
      description: 'Read from the task log stream. Pass `next` back as `after` for the next page; when `more` is false everything stored so far was returned, and polling with the same `after` returns new lines as they arrive.',
      security: bearer,
      params: z.strictObject({ id: Uuid, taskId: TaskOrInstanceId }),
      querystring: z.strictObject({
        attempt: z.coerce.number().int().min(1).max(10_000).optional(),
        after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe('Stream sequence cursor: `next` of the previous page'),
        limit: limitQuery(5000, 500).describe('Lines per page (a page ends at a batch boundary, so it may hold a few more)'),
      }),
      response: { 200: TaskLogPageSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { id, taskId } = request.params
      await requireRunTask(db, id, taskId)
      return readTaskLogPage(deps.js, deps.subjects.logsStream, deps.subjects.logFilter(id, taskId, request.query.attempt), request.query.after, request.query.limit)
    },
  })
}

/** A run as the API shows it: each task's inputs (its upstream outputs) and the run's trace. */
function runView(run: RunDetails, traceUrl: string | undefined) {
  const outputs = new Map(run.tasks.map((t) => [t.id, t.output]))
  const traceId = traceIdForRun(run.id)
  return {
    ...run,
    trace: { traceId, traceUrl: traceUrl ? traceUrl.replaceAll('{traceId}', traceId) : null },
    tasks: run.tasks.map((t) => ({ ...t, inputs: Object.fromEntries(t.upstream.map((u) => [u, outputs.get(u) ?? null])) })),
  }
}
