import { z } from 'zod'
import { diffWorkflowVersions, getFreshness, getReadiness, getWorkflowDetails, getWorkflowVersion, listWorkflowHistory, listWorkflowSummaries, listWorkflowVersions, NotFoundError, workflowOwners } from '@baton/shared'
import { allowedPermissions, globMatches } from '../auth/permissions.js'
import { bearer, errorResponses, Label, limitQuery, Partition, VersionHash, WorkflowName } from '../schemas/common.js'
import { PartitionReadinessSchema, WorkflowDeploymentSchema, WorkflowDetailsSchema, WorkflowDiffSchema, WorkflowSummarySchema, WorkflowVersionSchema, WorkflowVersionSummarySchema } from '../schemas/workflows.js'
import { visibleNames, type RouteDeps, type ZodApp } from './route-deps.js'

const NameParams = z.strictObject({ name: WorkflowName })

/** What a workflow is doing now: archived (undeployed), paused, or active. */
const WorkflowState = z.enum(['active', 'paused', 'archived'])

/**
 * Workflows: the list (`baton workflows` with freshness and open alerts), one workflow's
 * definition, DAG, schedule and gate, its versions, and its readiness per partition.
 */
export function workflowRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  app.get('/workflows', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['workflows'],
      summary: 'Deployed workflows the caller may read',
      description: 'Each with its owner, schedule and next tick in its timezone, data gate, paused/archived state, latest runs, freshness and open alerts. Sorted by name.',
      security: bearer,
      querystring: z.strictObject({
        owner: Label.optional(),
        status: WorkflowState.optional().describe('active, paused or archived'),
        name: z.string().regex(/^[A-Za-z0-9_*?-]{1,100}$/, 'must be a workflow name or a glob with * and ?').optional().describe('A name, or a glob such as finance_*'),
      }),
      response: { 200: z.object({ items: z.array(WorkflowSummarySchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const { owner, status, name } = request.query
      const owners = await workflowOwners(db)
      const wanted = owners.filter((w) => (owner === undefined || w.owner === owner) && (name === undefined || globMatches(name, w.name))).map((w) => w.name)
      const names = visibleNames(await request.readable(), wanted)!
      const rows = await listWorkflowSummaries(db, { names })
      const freshness = new Map((await getFreshness(db, new Date())).map((f) => [f.workflow, f]))
      const items = rows
        .filter((w) => status === undefined || (w.archivedAt ? 'archived' : w.paused ? 'paused' : 'active') === status)
        .map((w) => ({ ...w, freshness: freshness.get(w.name) ?? null }))
      return { items }
    },
  })

  app.get('/workflows/:name', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['workflows'],
      summary: 'A workflow: current definition, DAG (tasks with trigger rules and queues), schedule with its next ticks, data gate',
      security: bearer,
      params: NameParams,
      querystring: z.strictObject({ fireTimes: z.coerce.number().int().min(0).max(50).default(5).describe('How many upcoming ticks to list') }),
      response: { 200: WorkflowDetailsSchema, ...errorResponses },
    },
    handler: async (request) => {
      const details = await getWorkflowDetails(db, request.params.name, { fireTimes: request.query.fireTimes })
      if (!details) throw new NotFoundError('workflow', request.params.name)
      return { ...details, allowed: allowedPermissions(request.access!.principal, request.access!.scope) }
    },
  })

  app.get('/workflows/:name/versions', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['workflows'],
      summary: 'Every stored version of a workflow, newest first',
      security: bearer,
      params: NameParams,
      response: { 200: z.object({ items: z.array(WorkflowVersionSummarySchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const items = await listWorkflowVersions(db, request.params.name)
      if (!items) throw new NotFoundError('workflow', request.params.name)
      return { items }
    },
  })

  app.get('/workflows/:name/history', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['workflows'],
      summary: 'Every deploy of a workflow, newest first: the version it made current, who deployed it and when, and how many runs use it',
      security: bearer,
      params: NameParams,
      response: { 200: z.object({ items: z.array(WorkflowDeploymentSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const items = await listWorkflowHistory(db, request.params.name)
      if (!items) throw new NotFoundError('workflow', request.params.name)
      return { items }
    },
  })

  app.get('/workflows/:name/diff', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['workflows'],
      summary: "What changed in a workflow's definition between two versions (hashes, prefixes of at least 6 characters, or `current`)",
      security: bearer,
      params: NameParams,
      querystring: z.strictObject({ from: z.string().min(1).max(64), to: z.string().min(1).max(64).default('current') }),
      response: { 200: WorkflowDiffSchema, ...errorResponses },
    },
    handler: async (request) => diffWorkflowVersions(db, request.params.name, request.query.from, request.query.to),
  })

  app.get('/workflows/:name/versions/:hash', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['workflows'],
      summary: 'One version of a workflow with its definition',
      security: bearer,
      params: z.strictObject({ name: WorkflowName, hash: VersionHash }),
      response: { 200: WorkflowVersionSchema, ...errorResponses },
    },
    handler: async (request) => {
      const version = await getWorkflowVersion(db, request.params.name, request.params.hash)
      if (!version) throw new NotFoundError('version', `${request.params.name}@${request.params.hash}`)
      return version
    },
  })

  app.get('/workflows/:name/readiness', {
    config: { permission: 'read', scope: 'workflow' },
    schema: {
      tags: ['workflows'],
      summary: 'Why hasn’t this run started? Per partition: sources landed (and when), missing, deadline, status',
      description: 'The latest partitions (or one) of a workflow that waits for sources; empty for a workflow without `when`.',
      security: bearer,
      params: NameParams,
      querystring: z.strictObject({ partition: Partition.optional(), limit: limitQuery(100, 10) }),
      response: { 200: z.object({ items: z.array(PartitionReadinessSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const items = await getReadiness(db, request.params.name, { limit: request.query.limit, ...(request.query.partition ? { partition: request.query.partition } : {}) })
      if (!items) throw new NotFoundError('workflow', request.params.name)
      return { items }
    },
  })
}
