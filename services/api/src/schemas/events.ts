import { z } from 'zod'
import { POSITION_PATTERN } from '../live/event-cursor.js'
import { LiveEventType } from '../live/live-events.js'
import { Uuid, WorkflowName } from './common.js'

/** An event kind (`event:` of each SSE event, `?type=` of GET /events). */
export const LiveEventTypeSchema = z.enum(Object.values(LiveEventType) as [LiveEventType, ...LiveEventType[]])

/** A stream position (an SSE event id), as `Last-Event-ID` or `?lastEventId=`. */
export const StreamPositionText = z
  .string()
  .regex(POSITION_PATTERN, 'must be an event id from this stream (<history>-<alertXid>-<alertId>, or a history id)')
  .describe('The `id:` of the last event received: the stream resumes right after it')

/** Query of GET /events. */
export const EventsQuerySchema = z.strictObject({
  run: Uuid.optional().describe('Only events of this run'),
  workflow: WorkflowName.optional().describe('Only events of this workflow'),
  type: z
    .union([LiveEventTypeSchema, z.array(LiveEventTypeSchema).max(3)])
    .optional()
    .describe('Only these kinds (repeatable: `?type=run&type=task`); default all'),
  lastEventId: StreamPositionText.optional().describe('For clients that cannot set the `Last-Event-ID` header (the header wins when both are sent)'),
})

/** Headers GET /events reads (others pass through untouched). */
export const EventsHeadersSchema = z.looseObject({
  'last-event-id': StreamPositionText.optional(),
})

/** `data:` of a `run` or `task` event (documentation: the stream is not validated per event). */
export const TransitionEventSchema = z
  .object({
    historyId: z.string().describe('The history row of the change'),
    runId: Uuid,
    workflow: z.string().nullable(),
    taskId: z.string().nullable().describe('null for a run event'),
    attempt: z.number().int().nullable(),
    from: z.string().nullable(),
    to: z.string(),
    reason: z.string().nullable(),
    at: z.string().describe('When the coordinator applied the change (ISO 8601)'),
  })
  .meta({ id: 'TransitionEvent' })

/** `data:` of an `alert` event. */
export const AlertEventSchema = z
  .object({
    alertId: z.string(),
    kind: z.string(),
    status: z.enum(['firing', 'resolved', 'expired']).or(z.string()),
    workflow: z.string().nullable(),
    partition: z.string().nullable(),
    runId: z.string().nullable(),
    count: z.number().int(),
    summary: z.string().nullable(),
    at: z.string().describe('When it resolved, else when it last fired (ISO 8601)'),
  })
  .meta({ id: 'AlertEvent' })
