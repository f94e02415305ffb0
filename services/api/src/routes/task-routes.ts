import { z } from 'zod'
import { getTaskDetails, listMapInstances, MAX_MAP_INSTANCE_PAGE, DEFAULT_MAP_INSTANCE_PAGE } from '@baton/shared'
import { bearer, errorResponses, limitQuery, TaskId, TaskOrInstanceId, TaskStatusSchema, Uuid } from '../schemas/common.js'
import { MapInstancePageSchema, TaskViewSchema } from '../schemas/runs.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

/**
 * One task of a run: a task of the workflow or an instance of a mapped task (`load[3]`, which
 * `GET /runs/{id}` leaves out), and a mapped task's instances a page at a time.
 */
export function taskRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  app.get('/runs/:id/tasks/:taskId', {
    config: { permission: 'read', scope: 'run' },
    schema: {
      tags: ['runs'],
      summary: 'One task of a run with its attempts — or one instance of a mapped task (`load[3]`, URL-encoded `load%5B3%5D`) with its element',
      security: bearer,
      params: z.strictObject({ id: Uuid, taskId: TaskOrInstanceId }),
      response: { 200: TaskViewSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { id, taskId } = request.params
      const task = await getTaskDetails(db, id, taskId)
      const upstream = task.upstream.length === 0 ? [] : await db.selectFrom('task_states').select(['task_id', 'output', 'map_total']).where('run_id', '=', id).where('task_id', 'in', task.upstream).execute()
      // A mapped upstream's input is its instances' outputs (up to 100,000): named, not copied here.
      const outputs = new Map(upstream.map((u) => [u.task_id, u.map_total === null ? u.output : { mappedTask: u.task_id, instances: u.map_total, list: `GET /runs/${id}/tasks/${u.task_id}/instances` }]))
      return { ...task, inputs: Object.fromEntries(task.upstream.map((u) => [u, outputs.get(u) ?? null])) }
    },
  })

  app.get('/runs/:id/tasks/:taskId/instances', {
    config: { permission: 'read', scope: 'run' },
    schema: {
      tags: ['runs'],
      summary: 'A mapped task’s instances (`load[0]`, `load[1]`, …) a page at a time in index order, with the counts of all of them by status',
      description: `Pass \`nextAfter\` back as \`after\` for the next page. \`status\` keeps the instances in one status. A task that is not mapped is a 400 (\`issues[0].path\` \`taskId\`). Pages hold ${DEFAULT_MAP_INSTANCE_PAGE} instances unless \`limit\` says otherwise (at most ${MAX_MAP_INSTANCE_PAGE}).`,
      security: bearer,
      params: z.strictObject({ id: Uuid, taskId: TaskId }),
      querystring: z.strictObject({
        status: TaskStatusSchema.optional().describe('Only instances in this status'),
        after: z.coerce.number({ error: 'must be an instance index (a whole number from 0)' }).int().min(0).max(2_147_483_647).optional().describe('`nextAfter` of the previous page: only instances with a greater index'),
        limit: limitQuery(MAX_MAP_INSTANCE_PAGE, DEFAULT_MAP_INSTANCE_PAGE),
      }),
      response: { 200: MapInstancePageSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { id, taskId } = request.params
      const q = request.query
      return listMapInstances(db, id, taskId, { ...(q.status ? { status: q.status } : {}), ...(q.after !== undefined ? { after: q.after } : {}), limit: q.limit })
    },
  })
}
