import { z } from 'zod'
import { getRunGrid, getWorkflowDetails, NotFoundError } from '@baton/shared'
import { allowedPermissions } from '../auth/permissions.js'
import { AllowedSchema, bearer, errorResponses, GrantSchema, Instant, limitQuery, Partition, RunStatusSchema, TaskStatusSchema, Uuid, WorkflowName } from '../schemas/common.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

const RunGridSchema = z
  .object({
    tasks: z.array(z.string()).describe('Row labels: the current version’s tasks in topological order, then tasks only older runs had'),
    runs: z.array(
      z.object({
        id: z.string(),
        status: RunStatusSchema,
        partition: z.string().nullable(),
        trigger: z.string(),
        versionHash: z.string(),
        createdAt: Instant,
        finishedAt: Instant.nullable(),
        cells: z.array(z.object({ task: z.number().int().describe('Index into `tasks`'), status: TaskStatusSchema, attempt: z.number().int(), durationMs: z.number().nullable() })),
      }),
    ),
    nextCursor: z.string().nullable().describe('Pass as `before` for older runs; null on the last page'),
  })
  .meta({ id: 'RunGrid' })

/**
 * What the web UI needs beyond the resources themselves: who the caller is and what it may do
 * (`/me`), how to sign in (`/ui/config`, public), and the runs × tasks grid in one compact answer.
 */
export function uiRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db, config } = deps

  app.get('/me', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['access'],
      summary: 'Who the caller is: its name, kind, grants, and the permissions it holds on every workflow',
      security: bearer,
      response: {
        200: z.object({
          id: z.string(),
          kind: z.enum(['token', 'oidc']),
          name: z.string(),
          grants: z.array(GrantSchema),
          groups: z.array(z.string()),
          allowed: AllowedSchema.describe('Permissions held on every workflow (unscoped grants): tokens and audit need admin'),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const p = request.access!.principal
      return { id: p.id, kind: p.kind, name: p.name, grants: p.grants.map((g) => ({ ...g })), groups: [...p.groups], allowed: allowedPermissions(p, {}) }
    },
  })

  app.get('/ui/config', {
    config: { public: true },
    schema: {
      tags: ['access'],
      summary: 'How the web UI signs in (OIDC authorization code with PKCE when configured) and links traces; no credential needed',
      response: {
        200: z.object({
          oidc: z.object({ issuer: z.string(), clientId: z.string(), scopes: z.string(), token: z.enum(['id_token', 'access_token']) }).nullable(),
          traceUrl: z.string().nullable(),
        }),
      },
    },
    handler: async () => {
      const oidc = config.oidc?.ui ? { issuer: config.oidc.issuer, ...config.oidc.ui } : null
      return { oidc, traceUrl: config.traceUrl ?? null }
    },
  })

  app.get('/workflows/:name/grid', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['runs'],
      summary: 'The runs × tasks grid of a workflow, newest run first: each run’s task states in one compact answer',
      security: bearer,
      params: z.strictObject({ name: WorkflowName }),
      querystring: z.strictObject({
        limit: limitQuery(1000, 100),
        status: z.union([RunStatusSchema, z.array(RunStatusSchema).max(5)]).optional(),
        partition: Partition.optional(),
        before: Uuid.optional().describe('`nextCursor` of the previous page'),
      }),
      response: { 200: RunGridSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { name } = request.params
      const details = await getWorkflowDetails(db, name, { fireTimes: 0 })
      if (!details) throw new NotFoundError('workflow', name)
      const q = request.query
      const status = q.status === undefined ? undefined : Array.isArray(q.status) ? q.status : [q.status]
      return getRunGrid(db, name, details.dag.nodes.map((n) => n.id), {
        limit: q.limit,
        ...(status ? { status } : {}),
        ...(q.partition ? { partition: q.partition } : {}),
        ...(q.before ? { before: q.before } : {}),
      }) as Promise<z.input<typeof RunGridSchema>>
    },
  })
}
