import { z } from 'zod'
import { Instant, Json } from './common.js'

/** One source landing. */
export const LandingSchema = z.object({
  id: z.number().int(),
  eventId: z.string(),
  source: z.string(),
  partition: z.string().nullable(),
  uri: z.string().nullable(),
  landedAt: Instant,
  receivedAt: Instant,
  meta: Json,
})

/** A page of `GET /landings`. */
export const LandingPageSchema = z.object({ items: z.array(LandingSchema), nextCursor: z.string().nullable() })

/** A backfill with its progress. */
export const BackfillSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    from: z.string(),
    to: z.string(),
    concurrency: z.number().int(),
    rerun: z.string(),
    partitions: z.number().int(),
    skipped: z.number().int(),
    runs: z.object({ total: z.number().int(), queued: z.number().int(), running: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), cancelled: z.number().int() }),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    cancelReason: z.string().nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'Backfill' })

/** An alert with its deliveries. */
export const AlertSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    status: z.string().describe('firing, resolved or expired'),
    workflow: z.string().nullable(),
    partition: z.string().nullable(),
    runId: z.string().nullable(),
    owner: z.string().nullable(),
    summary: z.string(),
    count: z.number().int(),
    createdAt: Instant,
    lastAt: Instant,
    resolvedAt: Instant.nullable(),
    details: z.record(z.string(), Json),
    deliveries: z.array(
      z.object({
        channel: z.string(),
        action: z.string(),
        status: z.enum(['delivered', 'retrying', 'pending']),
        attempts: z.number().int(),
        deliveredAt: Instant.nullable(),
        nextAttemptAt: Instant.nullable(),
        lastError: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'Alert' })

/** A message the coordinator could not apply. */
export const DeadLetterSchema = z.object({
  id: z.string(),
  subject: z.string(),
  msgId: z.string().nullable(),
  reason: z.string(),
  receivedAt: Instant,
  count: z.number().int(),
  lastAt: Instant,
  payload: z.string(),
})
