import { markErrorClass, BatonError } from '@baton/shared'

/**
 * Why an attempt's AbortSignal fired. Only `aborted` (an abort notice: the coordinator has
 * moved on) suppresses the result; a timeout or a shutdown still reports a retryable failure.
 */
export const AbortKind = { notice: 'aborted', timeout: 'timeout', shutdown: 'worker_shutdown' } as const
/** Why an attempt's AbortSignal fired. */
export type AbortKind = (typeof AbortKind)[keyof typeof AbortKind]

const CODES: Record<AbortKind, string> = {
  aborted: 'ATTEMPT_ABORTED',
  timeout: 'ATTEMPT_TIMED_OUT',
  worker_shutdown: 'WORKER_SHUTDOWN',
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
