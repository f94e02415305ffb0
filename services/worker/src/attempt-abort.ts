import { markErrorClass, BatonError } from '@baton/shared'

/**
 * Why an attempt's AbortSignal fired. `aborted` (an abort notice: the coordinator has moved on)
 * and `start_unconfirmed` (a deferred start JetStream never stored: the command went back to the
 * queue) suppress the result; a timeout or a shutdown still reports a retryable failure.
 */
export const AbortKind = { notice: 'aborted', timeout: 'timeout', shutdown: 'worker_shutdown', unconfirmed: 'start_unconfirmed' } as const
/** Why an attempt's AbortSignal fired. */
export type AbortKind = (typeof AbortKind)[keyof typeof AbortKind]

const CODES: Record<AbortKind, string> = {
  aborted: 'ATTEMPT_ABORTED',
  timeout: 'ATTEMPT_TIMED_OUT',
  worker_shutdown: 'WORKER_SHUTDOWN',
  start_unconfirmed: 'ATTEMPT_START_UNCONFIRMED',
}

/** The `reason` of an attempt's AbortSignal, so a handler can tell cancellation from timeout. */
export class AttemptAbortedError extends BatonError {
  readonly kind: AbortKind
  readonly attempt: number
  constructor(kind: AbortKind, message: string, ids: { runId: string; taskId: string; attempt: number }) {
    super(CODES[kind], message, { runId: ids.runId, taskId: ids.taskId })
    this.kind = kind
    this.attempt = ids.attempt
  }
}
markErrorClass(AttemptAbortedError, 'AttemptAbortedError')
