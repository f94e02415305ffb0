import { z } from 'zod'
import { deletePool, listPools, setPool, type PoolView } from '@baton/shared'
import { bearer, errorResponses } from '../schemas/common.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

const PoolName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must start with a letter and contain only letters, digits, _ and - (at most 100 chars)')

const PoolSchema = z
  .object({
    name: z.string(),
    slots: z.number().int(),
    fairShare: z.boolean().describe('A full pool is split between owners by weight'),
    weights: z.record(z.string(), z.number()).describe('Owner → weight under fair share (absent owners weigh 1)'),
    description: z.string().nullable(),
    used: z.number().int().describe('Slots held now by attempts queued for a worker or running'),
    waiting: z.number().int().describe('Attempts waiting for the pool now'),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Pool' })

const view = (p: PoolView) => ({ ...p, updatedAt: p.updatedAt.toISOString() })

/**
 * Pools (docs/definitions.md, "Pools, concurrency and priority"): named slot budgets shared by
 * every workflow. Anyone who reads may list them; creating, resizing and deleting one is an
 * admin's (`pools` permission), audited.
 */
export function poolRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps
  app.get('/pools', {
    config: { permission: 'read', scope: 'each' },
    schema: {
      tags: ['pools'],
      summary: 'Every pool with its size, the slots held now and the attempts waiting for it',
      security: bearer,
      response: { 200: z.object({ items: z.array(PoolSchema) }), ...errorResponses },
    },
    handler: async () => ({ items: (await listPools(db)).map(view) }),
  })

  app.put('/pools/:name', {
    config: { permission: 'pools', scope: 'global', audit: 'pool.set' },
    schema: {
      tags: ['pools'],
      summary: "Create or resize a pool; refused when a deployed task asks for more slots than the new size. Shrinking takes no slot back: it admits no more until the pool is below its size",
      security: bearer,
      params: z.strictObject({ name: PoolName }),
      body: z.strictObject({
        slots: z.number().int().min(1).max(10_000),
        fairShare: z.boolean().optional(),
        weights: z.record(z.string().min(1), z.number().positive().max(1000)).optional(),
        description: z.string().max(2000).optional(),
      }),
      response: { 200: PoolSchema, ...errorResponses },
    },
    handler: async (request) => {
      const b = request.body
      await setPool(db, { name: request.params.name, slots: b.slots, ...(b.fairShare !== undefined ? { fairShare: b.fairShare } : {}), ...(b.weights ? { weights: b.weights } : {}), ...(b.description !== undefined ? { description: b.description } : {}) }, request.access!.principal.id)
      return view((await listPools(db)).find((p) => p.name === request.params.name)!)
    },
  })

  app.delete('/pools/:name', {
    config: { permission: 'pools', scope: 'global', audit: 'pool.delete' },
    schema: {
      tags: ['pools'],
      summary: 'Delete a pool: refused while a deployed task names it or an attempt holds or waits for it',
      security: bearer,
      params: z.strictObject({ name: PoolName }),
      response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), ...errorResponses },
    },
    handler: async (request) => {
      await deletePool(db, request.params.name)
      return { name: request.params.name, deleted: true as const }
    },
  })
}
