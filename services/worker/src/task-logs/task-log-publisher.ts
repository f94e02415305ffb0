import { publishJson, TASK_LOG_DUPLICATE_WINDOW_MS, toError, type JetStreamClient, type Logger, type NatsConnection, type Subjects, type TaskCommand } from '@baton/shared'
import { delay, waitAtMost } from '../bounded-wait.js'
import { createAttemptTaskLog, type PendingBatch, type TaskLogSink, type TaskLogTransport } from './attempt-task-log.js'
import { countDroppedLogRecords, countTruncatedLog } from './task-log-metrics.js'

/**
 * Memory a worker may hold in unpublished log batches, across all its attempts. Past it (NATS
 * down for a while), new batches are dropped and counted instead of growing the heap.
 */
export const MAX_PENDING_LOG_BYTES = 8 * 1024 * 1024
const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 2000
/**
 * A batch is retried for at most the stream's duplicate window: within it a retry that races
 * an earlier try which did land is still de-duplicated by its `Nats-Msg-Id`.
 */
const GIVE_UP_AFTER_MS = TASK_LOG_DUPLICATE_WINDOW_MS

/** Captures the task logs of one worker's attempts and publishes them to `<NS>_LOGS`. */
export interface TaskLogPublisher {
  /** The log of one attempt (a sink that drops everything when capture is off: `maxBytes` 0). */
  open(command: Pick<TaskCommand, 'runId' | 'taskId' | 'attempt'>, traceparent: string): TaskLogSink
  /**
   * Waits up to `timeoutMs` for batches still being published, then makes every retry give up
   * (their records are counted as dropped). Part of a worker's shutdown.
   */
  close(timeoutMs: number): Promise<void>
}

/** Creates the task log publisher of one worker. */
export function createTaskLogPublisher(deps: {
  nc: NatsConnection
  js: JetStreamClient
  subjects: Subjects
  logger: Logger
  queue: string
  workerId: string
  /** Per-attempt cap (BATON_TASK_LOG_MAX_BYTES); 0 turns capture off. */
  maxBytes: number
  /** Worker-wide buffer; default MAX_PENDING_LOG_BYTES. */
  maxPendingBytes?: number
}): TaskLogPublisher {
  const closing = new AbortController()
  const pumps = new Set<Promise<void>>()
  const maxPending = deps.maxPendingBytes ?? MAX_PENDING_LOG_BYTES
  let pendingBytes = 0
  let failing = false
  // Logged once per outage, with the totals when NATS takes batches again.
  let droppedInOutage = 0

  const noteDropped = (records: number, reason: 'buffer_full' | 'closed' | 'gave_up'): void => {
    countDroppedLogRecords(deps.queue, reason, records)
    if (reason === 'closed') return
    if (droppedInOutage === 0) deps.logger.warn({ reason, maxPendingBytes: maxPending }, 'dropping task log records: NATS has not taken them for too long')
    droppedInOutage += records
  }

  const transport: TaskLogTransport = {
    reserve(bytes) {
      if (pendingBytes + bytes > maxPending) return false
      pendingBytes += bytes
      return true
    },
    release(bytes) {
      pendingBytes -= bytes
    },
    unavailable: () => failing,
    droppedForBuffer: (records) => noteDropped(records, 'buffer_full'),
    truncated: () => countTruncatedLog(deps.queue),
    track(pumping) {
      pumps.add(pumping)
      void pumping.finally(() => pumps.delete(pumping))
    },
    async send(batch: PendingBatch) {
      const giveUpAt = Date.now() + GIVE_UP_AFTER_MS
      let pause = FIRST_RETRY_MS
      for (;;) {
        if (closing.signal.aborted || deps.nc.isClosed()) {
          noteDropped(batch.body.records.length, 'closed')
          return false
        }
        try {
          await publishJson(deps.js, batch.subject, batch.body.id, batch.body, batch.traceparent)
          if (failing) {
            failing = false
            deps.logger.info({ dropped: droppedInOutage }, 'task logs are published again')
            droppedInOutage = 0
          }
          return true
        } catch (e) {
          if (!failing) {
            failing = true
            deps.logger.warn({ err: toError(e), runId: batch.body.runId, taskId: batch.body.taskId, attempt: batch.body.attempt }, 'cannot publish task logs yet; retrying (tasks are not held up)')
          }
          if (Date.now() + pause > giveUpAt) {
            noteDropped(batch.body.records.length, 'gave_up')
            return false
          }
          await delay(pause, closing.signal)
          pause = Math.min(pause * 2, MAX_RETRY_MS)
        }
      }
    },
  }

  return {
    open(command, traceparent) {
      if (deps.maxBytes <= 0) return DISCARDING_SINK
      return createAttemptTaskLog(command, {
        subject: deps.subjects.log(command.runId, command.taskId, command.attempt),
        traceparent,
        workerId: deps.workerId,
        maxBytes: deps.maxBytes,
        transport,
      })
    },
    async close(timeoutMs) {
      if (pumps.size > 0) await waitAtMost(Promise.all(pumps), timeoutMs)
      closing.abort()
      await Promise.all(pumps)
    },
  }
}

/** The sink of an attempt when capture is off. */
const DISCARDING_SINK: TaskLogSink = Object.freeze({
  write() {},
  flush: () => Promise.resolve(true),
  close() {},
})
