import { metrics } from '@opentelemetry/api'

/**
 * The worker's metrics, through the OpenTelemetry API (no-ops until the process registers an
 * SDK). Kept in one module so domain code calls functions, not meters.
 */
const meter = metrics.getMeter('baton-worker')

const invalidCommands = meter.createCounter('baton.worker.commands.invalid', {
  description: 'Command messages terminated because they could not be decoded or validated',
})
const attempts = meter.createCounter('baton.worker.attempts', {
  description: 'Attempts finished by this worker, by outcome (succeeded, failed, aborted, not_started)',
})

/** Counts one terminated (poison) command message. */
export function countInvalidCommand(queue: string): void {
  invalidCommands.add(1, { queue })
}

/** Counts one finished attempt. */
export function countAttempt(queue: string, outcome: 'succeeded' | 'failed' | 'aborted' | 'not_started', kind?: string): void {
  attempts.add(1, kind ? { queue, outcome, kind } : { queue, outcome })
}
