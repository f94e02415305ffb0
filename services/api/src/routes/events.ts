import { z } from 'zod'
import { NotFoundError, workflowOfRun, workflowOwners } from '@baton/shared'
import { PermissionDeniedError } from '../auth/errors.js'
import { authorize, readableWorkflows } from '../auth/permissions.js'
import type { Principal } from '../auth/types.js'
import { parsePosition, type StreamPosition } from '../live/event-cursor.js'
import { createHistoryTail, type HistoryTailOptions } from '../live/history-tail.js'
import { eventMatcher, LiveEventType } from '../live/live-events.js'
import { SseStream, SseStreams } from '../live/sse-stream.js'
import { bearer, errorResponses } from '../schemas/common.js'
import { EventsHeadersSchema, EventsQuerySchema } from '../schemas/events.js'
import type { RouteDeps, RouteModule, ZodApp } from './route-deps.js'

/** Settings of GET /events; every field has a default. */
export interface EventRouteOptions extends Partial<HistoryTailOptions> {
  /** Heartbeat (an SSE comment) interval: 15 s. */
  readonly heartbeatMs?: number
  /** Bytes a live client may leave unread before it is dropped (asked to reconnect): 1 MiB. */
  readonly maxBufferBytes?: number
  /** Reconnect delay suggested to EventSource clients (`retry:`): 2 s. */
  readonly retryMs?: number
  /** History rows per catch-up read of a resuming client: 500. */
  readonly catchUpPage?: number
  /**
   * Longest a stream stays open: 15 min. Then it ends with `event: reconnect` and the client
   * resumes with Last-Event-ID, authenticating again: a revoked or expired credential stops there.
   */
  readonly maxStreamMs?: number
}

const ALL_TYPES = Object.values(LiveEventType)

/**
 * The live-updates module: `GET /events`, Server-Sent Events of run, task and alert changes
 * (docs/api.md, "Live updates (SSE)"). One history tail per server feeds every client; the tail starts
 * with the first client, and closing the server ends every stream, then the tail.
 */
export function createEventRoutes(options: EventRouteOptions = {}): RouteModule {
  const { heartbeatMs = 15_000, maxBufferBytes = 1024 * 1024, retryMs = 2000, catchUpPage = 500, maxStreamMs = 15 * 60_000, ...tailOptions } = options
  return (app: ZodApp, deps: RouteDeps) => {
    const { db, log } = deps
    const tail = createHistoryTail({ db, databaseUrl: deps.config.baton.databaseUrl, namespace: deps.config.baton.namespace, log }, tailOptions)
    const streams = new SseStreams(heartbeatMs, maxStreamMs)
    // Streams never finish on their own: end them before the server waits for requests in flight.
    app.addHook('preClose', (done) => {
      streams.endAll()
      done()
    })
    app.addHook('onClose', async () => {
      streams.endAll()
      await tail.stop()
    })

    app.get('/events', {
      config: { permission: 'read', scope: 'each' },
      schema: {
        tags: ['events'],
        summary: 'Live run, task and alert changes as Server-Sent Events, resumable with Last-Event-ID',
        description: [
          'A `text/event-stream`: each event is `event: run|task|alert`, `id:` (its position) and `data:` (JSON: a TransitionEvent or an AlertEvent).',
          'Send the last `id:` received as `Last-Event-ID` (EventSource does it on reconnect) or `?lastEventId=` to resume with nothing lost or repeated, on any replica, after a restart.',
          'A comment line every 15 s keeps the connection alive; it may carry an `id:` alone, the position past events the filters skipped.',
          'A scoped caller receives the events of the workflows it may read. A client that does not keep up is sent `event: reconnect` and dropped.',
        ].join(' '),
        security: bearer,
        querystring: EventsQuerySchema,
        headers: EventsHeadersSchema,
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream'), ...errorResponses },
      },
      handler: async (request, reply) => {
        const q = request.query
        const principal = request.access!.principal
        const scoped: Principal | null = readableWorkflows(principal, [], 'read') === 'all' ? null : principal
        if (q.run !== undefined) await checkReadable(deps, scoped, 'run', q.run)
        if (q.workflow !== undefined) await checkReadable(deps, scoped, 'workflow', q.workflow)
        const resume = request.headers['last-event-id'] ?? q.lastEventId
        const types = new Set(q.type === undefined ? ALL_TYPES : [q.type].flat())
        await tail.ready()
        const start = startPosition(resume, tail.position())

        reply.hijack()
        const stream: SseStream = new SseStream(
          reply.raw,
          eventMatcher({ runId: q.run ?? null, workflow: q.workflow ?? null, types, principal: scoped }),
          types,
          { runId: q.run ?? null, workflow: q.workflow ?? null, only: types.has('run') === types.has('task') ? null : types.has('run') ? 'run' : 'task' },
          start,
          { db, tail, log },
          { maxBufferBytes, catchUpPage },
          () => streams.remove(stream),
        )
        streams.add(stream)
        stream.open(reply.getHeaders() as Record<string, string | number | string[]>, retryMs)
        await stream.run()
      },
    })
  }
}

/** GET /events with the default settings (the module of ROUTE_MODULES). */
export const eventRoutes: RouteModule = createEventRoutes()

/** Where a client starts: after its last event id, or at the tail (a bare history id resumes alerts from now). */
function startPosition(resume: string | undefined, now: StreamPosition): StreamPosition {
  const parsed = resume === undefined ? undefined : parsePosition(resume)
  if (!parsed) return now
  return { history: parsed.history, alertXid: parsed.alerts?.xid ?? now.alertXid, alertId: parsed.alerts?.id ?? 0 }
}

/**
 * A filter on a run or workflow the caller may not read is refused (403), an unknown run is 404,
 * as GET /runs/{id} does; a workflow not deployed (yet) is accepted (its events are checked one by one).
 */
async function checkReadable(deps: RouteDeps, scoped: Principal | null, what: 'run' | 'workflow', id: string): Promise<void> {
  const workflow = what === 'run' ? await workflowOfRun(deps.db, id) : id
  if (workflow === undefined) throw new NotFoundError('run', id)
  if (scoped === null) return
  const owner = (await workflowOwners(deps.db, [workflow]))[0]
  if (!owner && what === 'workflow') return
  const decision = authorize(scoped, 'read', { workflow, owner: owner?.owner ?? null })
  if (!decision.ok) throw new PermissionDeniedError(decision.missing, decision.reason)
}
