import { metrics } from '@opentelemetry/api'

/**
 * Metrics of task log capture, through the OpenTelemetry API (no-ops until the process
 * registers an SDK).
 */
const meter = metrics.getMeter('baton-worker')

const dropped = meter.createCounter('baton.worker.task_log.records_dropped', {
  description: 'Task log records not stored, by reason (buffer_full: the worker\'s log buffer was full; gave_up: NATS refused a batch for too long; closed: the worker stopped first)',
})
const truncated = meter.createCounter('baton.worker.task_log.truncated', {
  description: 'Attempts whose task log reached BATON_TASK_LOG_MAX_BYTES',
})

/** Counts task log records that were dropped. */
export function countDroppedLogRecords(queue: string, reason: 'buffer_full' | 'gave_up' | 'closed', n: number): void {
  if (n > 0) dropped.add(n, { queue, reason })
}

/** Counts one attempt whose log was cut at the cap. */
export function countTruncatedLog(queue: string): void {
  truncated.add(1, { queue })
}
