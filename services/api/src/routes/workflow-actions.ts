import { z } from 'zod'
import { archiveWorkflow, compileWorkflow, deployWorkflow, loadVersion, NotFoundError, publishJson, ValidationError, workflowOwners, workflowStates, type WorkflowPauseRequested } from '@baton/shared'
import { actionEventId, waitUntil } from '../actions/event-outcome.js'
import { authorizeWorkflow } from '../auth/route-access.js'
import { ConflictError, ErrorResponseSchema } from '../errors.js'
import { bearer, errorResponses, WorkflowName } from '../schemas/common.js'
import { IdempotencyHeaders, WaitQuery } from './run-actions.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

const NameParams = z.strictObject({ name: WorkflowName })

const PauseResultSchema = z
  .object({
    workflow: z.string(),
    paused: z.boolean().describe('The state now (or as it was, while pending)'),
    outcome: z.enum(['applied', 'pending']),
    eventId: z.string(),
  })
  .meta({ id: 'PauseResult' })

const DefinitionResultSchema = z
  .object({
    workflow: z.string(),
    hash: z.string().describe('The current version'),
    changed: z.boolean().describe('A new version was stored (deploy), or the workflow was archived (archive)'),
    restored: z.boolean().describe('An archived workflow was restored'),
    archived: z.boolean(),
  })
  .meta({ id: 'DefinitionResult' })

/**
 * Workflow actions: pause and unpause (events through the coordinator: it holds cron ticks and
 * complete partitions, and on unpause applies the catch-up policy), archive and restore, and
 * deploy a definition (the definition catalog, written by the API like `baton deploy` does).
 */
export function workflowActionRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  for (const paused of [true, false]) {
    const verb = paused ? 'pause' : 'unpause'
    app.post(`/workflows/:name/${verb}`, {
      config: { permission: 'pause', scope: 'workflow', audit: `workflow.${verb}` },
      schema: {
        tags: ['actions'],
        summary: paused
          ? 'Pause a workflow: its cron ticks and landings are recorded but start no run until unpaused (manual runs, backfills and operator actions still work)'
          : 'Unpause a workflow: the ticks and complete partitions held while paused run as its catch-up policy says',
        security: bearer,
        params: NameParams,
        querystring: WaitQuery,
        headers: IdempotencyHeaders,
        body: z.strictObject({ reason: z.string().min(1).max(2000).optional() }).default({}),
        response: { 200: PauseResultSchema, 202: PauseResultSchema, ...errorResponses },
      },
      handler: async (request, reply) => {
        const { name } = request.params
        const principal = request.access!.principal
        const id = actionEventId(principal.id, verb, name, request.headers['idempotency-key'])
        const body: WorkflowPauseRequested = { id, workflow: name, paused, by: principal.id, ...(request.body.reason ? { reason: request.body.reason } : {}) }
        await publishJson(deps.js, deps.subjects.workflowPauseRequested, id, body)
        const now = await waitUntil(async () => {
          const row = await db.selectFrom('workflows').select('paused').where('name', '=', name).executeTakeFirst()
          return row?.paused === paused ? row.paused : undefined
        }, request.query.wait * 1000)
        reply.code(now === undefined ? 202 : 200)
        return { workflow: name, paused: now ?? !paused, outcome: now === undefined ? ('pending' as const) : ('applied' as const), eventId: id }
      },
    })
  }

  app.post('/workflows/:name/archive', {
    config: { permission: 'archive', scope: 'workflow', audit: 'workflow.archive' },
    schema: {
      tags: ['actions'],
      summary: 'Archive a workflow: its schedule and data gate start no runs; its runs stay readable; restore brings it back',
      security: bearer,
      params: NameParams,
      response: { 200: DefinitionResultSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { name } = request.params
      const { archived } = await archiveWorkflow(db, name)
      const state = (await workflowStates(db, [name])).get(name)!
      return { workflow: name, hash: state.hash, changed: archived, restored: false, archived: true }
    },
  })

  app.post('/workflows/:name/restore', {
    config: { permission: 'archive', scope: 'workflow', audit: 'workflow.restore' },
    schema: {
      tags: ['actions'],
      summary: 'Restore an archived workflow at its current version: its schedule starts again from the next tick',
      security: bearer,
      params: NameParams,
      response: { 200: DefinitionResultSchema, ...errorResponses, 409: ErrorResponseSchema },
    },
    handler: async (request) => {
      const { name } = request.params
      const state = (await workflowStates(db, [name])).get(name)
      if (!state) throw new NotFoundError('workflow', name)
      if (!state.archived) throw new ConflictError(`workflow ${name} is not archived`)
      const wf = await loadVersion(db, state.hash)
      if (!wf) throw new ConflictError(`the current version ${state.hash} of ${name} is missing`)
      const r = await deployWorkflow(db, wf, new Date(), { by: request.access!.principal.id })
      return { workflow: name, hash: r.hash, changed: r.changed, restored: r.restored, archived: false }
    },
  })

  app.put('/workflows/:name', {
    config: { permission: 'deploy', scope: 'each', audit: 'workflow.deploy' },
    schema: {
      tags: ['actions'],
      summary: 'Deploy a workflow definition (JSON, the schema of docs/schemas/workflow.schema.json); the same definition again changes nothing; an archived workflow is restored',
      security: bearer,
      params: NameParams,
      body: z.record(z.string(), z.unknown()).describe('The workflow definition; its `name` must be the one in the path'),
      response: { 200: DefinitionResultSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { name } = request.params
      if (request.body.name !== name) throw new ValidationError([{ path: 'body.name', reason: `must be '${name}', the workflow in the path` }])
      // Prefixed with `body.` so every issue names the field in the request.
      let wf
      try {
        wf = compileWorkflow(request.body)
      } catch (e) {
        if (e instanceof ValidationError) throw new ValidationError(e.issues.map((i) => ({ ...i, path: `body.${i.path}` })))
        throw e
      }
      // Both the workflow as deployed now and as it would be: a grant scoped by owner cannot take
      // another team's workflow over, nor give its own away.
      const current = (await workflowOwners(db, [name]))[0]
      if (current) authorizeWorkflow(request, 'deploy', { workflow: name, owner: current.owner })
      authorizeWorkflow(request, 'deploy', { workflow: name, owner: wf.definition.owner ?? null })
      const r = await deployWorkflow(db, wf, new Date(), { by: request.access!.principal.id })
      return { workflow: name, hash: r.hash, changed: r.changed, restored: r.restored, archived: false }
    },
  })
}
