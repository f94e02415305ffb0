import { z } from 'zod'
import { BatonError, currentVersions, loadVersion, newId, parsePartition, publishJson, sourceUsers, ValidationError, workflowOwners, type SourceLanded } from '@baton/shared'
import { waitUntil } from '../actions/event-outcome.js'
import { authorizeWorkflow } from '../auth/route-access.js'
import { ErrorResponseSchema } from '../errors.js'
import { bearer, errorResponses, Label, Partition } from '../schemas/common.js'
import { WaitQuery } from './run-actions.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

const LandingResultSchema = z
  .object({
    id: z.string().describe('The landing event id (its Nats-Msg-Id): the same id again is one landing'),
    outcome: z.enum(['applied', 'pending']).describe('applied: a coordinator recorded it (and started what it completes); pending: not yet'),
  })
  .meta({ id: 'LandingResult' })

/**
 * Announce that a source landed, over HTTP: for systems that cannot publish to NATS (and the
 * CLI's `emit source` through the API). The same event the CLI publishes; a coordinator records
 * it and starts the runs it completes. A landing starts runs, so the caller needs `trigger` on
 * every workflow that waits for the source.
 */
export function landingActionRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  app.post('/sources/:source/landings', {
    config: { permission: 'trigger', scope: 'each', audit: 'source.landed' },
    schema: {
      tags: ['actions'],
      summary: 'Announce that a source landed for a partition: the data gates waiting for it advance, and complete partitions start their runs',
      security: bearer,
      params: z.strictObject({ source: Label }),
      querystring: WaitQuery,
      body: z.strictObject({
        id: z.string().min(1).max(200).optional().describe('Event id (default: a new one); derive it from what landed to make a repeat one landing'),
        partition: Partition.optional(),
        uri: z.string().max(2000).optional(),
        landedAt: z.iso.datetime({ offset: true }).optional(),
        meta: z.record(z.string(), z.unknown()).optional(),
      }),
      response: { 200: LandingResultSchema, 202: LandingResultSchema, ...errorResponses, 409: ErrorResponseSchema },
    },
    handler: async (request, reply) => {
      const { source } = request.params
      const body = request.body
      const users = await sourceUsers(db, source)
      if (users.length === 0) throw new BatonError('NOT_FOUND', `unknown source '${source}': no deployed workflow waits for or produces it`)
      const waiting = users.filter((u) => u.role === 'waits').map((u) => u.workflow)
      for (const w of await workflowOwners(db, waiting.length > 0 ? waiting : users.map((u) => u.workflow))) authorizeWorkflow(request, 'trigger', { workflow: w.name, owner: w.owner }, `source:${source}`)
      // The partition must fit at least one waiting workflow (the coordinator would dead-letter it).
      const problems: string[] = []
      let fits = waiting.length === 0
      const versions = await currentVersions(db, waiting)
      for (const name of waiting) {
        const wf = await loadVersion(db, versions.get(name) ?? '')
        if (!wf) continue
        if (!body.partition) problems.push(`workflow '${name}' waits for '${source}' by ${wf.partitionKind}: a partition is required`)
        else {
          const p = parsePartition(wf.partitionKind, body.partition)
          if (p.ok) fits = true
          else problems.push(`"${body.partition}" is not a ${wf.partitionKind} partition (workflow '${name}'): ${p.reason}`)
        }
      }
      if (!fits && problems.length > 0) throw new ValidationError(problems.map((reason) => ({ path: 'body.partition', reason })))
      const landing: SourceLanded = {
        id: body.id ?? newId(),
        source,
        landedAt: body.landedAt ?? new Date().toISOString(),
        ...(body.partition ? { partition: body.partition } : {}),
        ...(body.uri ? { uri: body.uri } : {}),
        ...(body.meta ? { meta: body.meta } : {}),
      }
      await publishJson(deps.js, deps.subjects.source(source), landing.id, landing)
      const recorded = await waitUntil(async () => ((await db.selectFrom('source_landings').select('id').where('event_id', '=', landing.id).executeTakeFirst()) ? true : undefined), request.query.wait * 1000)
      reply.code(recorded ? 200 : 202)
      return { id: landing.id, outcome: recorded ? ('applied' as const) : ('pending' as const) }
    },
  })
}
