import { MAX_MESSAGE_BYTES, publishJson, toError, type JetStreamClient, type Logger, type NatsConnection, type Subjects, type TaskEvent } from '@baton/shared'
import { delay } from './bounded-wait.js'

/** First and largest pause between publish retries while NATS is unavailable. */
const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 2000
/** Longest text kept per `details` string when an event would exceed MAX_MESSAGE_BYTES. */
const SHRUNK_DETAIL_CHARS = 8 * 1024

/**
 * Publishes task events to `<ns>.events.task.<runId>` with `Nats-Msg-Id` = event id. A result
 * must never be lost to a brief NATS outage, so `publish` retries with the same id (JetStream
 * drops the duplicate if an earlier try did land) until a PubAck, the caller's deadline or
 * signal, the connection closing, or `close()`.
 */
export interface TaskEventPublisher {
  /** Retries until acknowledged; false when it gave up (deadline, closed). Never throws. */
  publish(event: TaskEvent, traceparent: string, options?: { giveUpAfterMs?: number; onRetried?: () => void; signal?: AbortSignal }): Promise<boolean>
  /** One try, no retry (heartbeats: a late one is worthless). Throws on failure. */
  publishOnce(event: TaskEvent, traceparent: string): Promise<void>
  /** Makes every pending retry loop give up now (final step of a shutdown). */
  close(): void
}

/** Creates the publisher of one worker. */
export function createTaskEventPublisher(deps: { nc: NatsConnection; js: JetStreamClient; subjects: Subjects; logger: Logger }): TaskEventPublisher {
  const closing = new AbortController()

  const send = async (event: TaskEvent, traceparent: string): Promise<void> => {
    await publishJson(deps.js, deps.subjects.task(event.runId), event.id, fitMessageLimit(event), traceparent)
  }

  return {
    async publish(event, traceparent, options = {}) {
      const giveUpAt = options.giveUpAfterMs === undefined ? Infinity : Date.now() + options.giveUpAfterMs
      let pause = FIRST_RETRY_MS
      const stop = options.signal ? AbortSignal.any([closing.signal, options.signal]) : closing.signal
      for (let tries = 1; ; tries++) {
        try {
          await send(event, traceparent)
          if (tries > 1) {
            deps.logger.info({ eventId: event.id, type: event.type, runId: event.runId, tries }, 'task event published after retries')
            options.onRetried?.()
          }
          return true
        } catch (e) {
          const fields = { eventId: event.id, type: event.type, runId: event.runId, taskId: event.taskId, attempt: event.attempt, tries, err: toError(e) }
          if (options.signal?.aborted) {
            deps.logger.info(fields, 'stopped publishing a task event the attempt no longer needs')
            return false
          }
          if (closing.signal.aborted || deps.nc.isClosed() || Date.now() + pause > giveUpAt) {
            deps.logger.error(fields, 'gave up publishing a task event; the coordinator will time the attempt out')
            return false
          }
          if (tries === 1) deps.logger.warn(fields, 'cannot publish a task event yet; retrying')
          await delay(pause, stop)
          if (options.signal?.aborted) return false
          pause = Math.min(pause * 2, MAX_RETRY_MS)
        }
      }
    },
    publishOnce: send,
    close() {
      closing.abort()
    },
  }
}

/**
 * Keeps an event under the stream's message limit: only `details` (captured output) can push
 * it over, since output and error sizes are bounded before this point, so long detail strings
 * are cut to their tail.
 */
function fitMessageLimit(event: TaskEvent): TaskEvent {
  if (!event.details) return event
  if (Buffer.byteLength(JSON.stringify(event), 'utf8') <= MAX_MESSAGE_BYTES - 1024) return event
  const details: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(event.details)) details[k] = typeof v === 'string' && v.length > SHRUNK_DETAIL_CHARS ? v.slice(-SHRUNK_DETAIL_CHARS) : v
  return { ...event, details }
}
