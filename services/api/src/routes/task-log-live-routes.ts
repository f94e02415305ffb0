import { z } from 'zod'
import { requireRunTask } from '@baton/shared'
import { TaskLogLiveStream } from '../logs/task-log-live.js'
import { bearer, errorResponses, TaskOrInstanceId, Uuid } from '../schemas/common.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

/** How often an idle live log stream gets a comment line (proxies close silent connections). */
const HEARTBEAT_MS = 15_000
/** Longest a stream stays open before its client must reconnect (and authenticate again). */
const MAX_STREAM_MS = 15 * 60_000

/**
 * `GET /runs/{id}/tasks/{taskId}/logs/live`: a task's logs as they are written, as Server-Sent
 * Events (`event: log`, one per batch, `id:` its stream sequence). Starts after `?after=` or
 * `Last-Event-ID` (0: from the first line), so a client reconnecting on any replica misses and
 * repeats nothing. The paged `…/logs` route reads the same stream.
 */
export function taskLogLiveRoutes(app: ZodApp, deps: RouteDeps): void {
  const streams = new Set<TaskLogLiveStream>()
  let heartbeat: NodeJS.Timeout | undefined
  const closeAll = async () => {
    clearInterval(heartbeat)
    heartbeat = undefined
    await Promise.all([...streams].map((s) => s.close()))
  }
  app.addHook('preClose', (done) => void closeAll().then(() => done()))
  app.addHook('onClose', closeAll)

  app.get('/runs/:id/tasks/:taskId/logs/live', {
    config: { permission: 'read', scope: 'run' },
    schema: {
      tags: ['runs'],
      summary: 'A task’s logs as they are written (Server-Sent Events), resumable with Last-Event-ID',
      description: 'Each `event: log` is one stored batch: `data` is `{ seq, attempt, records: [{ ts, level, stream, msg, …fields }] }` and `id:` its stream sequence. `?attempt=` keeps one attempt. A comment line every 15 s keeps the connection open; after 15 min the stream ends with `event: reconnect` (resume with Last-Event-ID, authenticating again).',
      security: bearer,
      params: z.strictObject({ id: Uuid, taskId: TaskOrInstanceId }),
      querystring: z.strictObject({
        attempt: z.coerce.number().int().min(1).max(10_000).optional(),
        after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Stream sequence to start after (default 0: every line stored)'),
      }),
      headers: z.object({ 'last-event-id': z.string().regex(/^\d{1,16}$/, 'must be a stream sequence (a whole number)').optional() }),
      produces: ['text/event-stream'],
      response: { 200: z.string().describe('text/event-stream'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const { id, taskId } = request.params
      await requireRunTask(deps.db, id, taskId)
      const header = request.headers['last-event-id']
      const after = header !== undefined ? Number(header) : (request.query.after ?? 0)
      reply.hijack()
      const stream = new TaskLogLiveStream(reply.raw, deps.log)
      streams.add(stream)
      heartbeat ??= setInterval(() => {
        const now = Date.now()
        for (const s of [...streams]) {
          if (now - s.openedAt >= MAX_STREAM_MS) s.expire()
          else s.heartbeat()
        }
      }, HEARTBEAT_MS).unref()
      try {
        await stream.run(deps.js, deps.subjects.logsStream, deps.subjects.logFilter(id, taskId, request.query.attempt), after, reply.getHeaders() as Record<string, string | number | string[]>)
      } finally {
        streams.delete(stream)
        if (streams.size === 0) {
          clearInterval(heartbeat)
          heartbeat = undefined
        }
      }
    },
  })
}
