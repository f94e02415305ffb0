import { markErrorClass, BatonError, NonRetryableError, toError, type TaskError } from '@baton/shared'

/** Longest `error.message` and `error.stack` the task-event schema accepts. */
const MAX_MESSAGE_CHARS = 8000
const MAX_STACK_CHARS = 16000

/**
 * A failure with an explicit error `kind` and retry decision, thrown by the built-in runners
 * (`exit_code`, `http_status`, `no_handler`, …) and by the runtime itself (`output_too_large`).
 * `details` travel with the failed event (e.g. stdout/stderr tails).
 */
export class TaskFailure extends BatonError {
  readonly kind: string
  readonly retryable: boolean
  readonly details?: Record<string, unknown>
  constructor(
    message: string,
    options: { kind: string; retryable: boolean; details?: Record<string, unknown>; cause?: unknown; runId?: string; taskId?: string },
  ) {
    super('TASK_FAILED', message, options)
    this.kind = options.kind
    this.retryable = options.retryable
    if (options.details !== undefined) this.details = options.details
  }
}
markErrorClass(TaskFailure, 'TaskFailure')

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/**
 * Turns whatever a handler threw into the wire `error` (and optional details): a TaskFailure
 * keeps its kind and retry flag, a NonRetryableError is not retried, anything else is a
 * retryable `error`. Texts are clipped to the limits of TaskErrorSchema.
 */
export function toTaskError(thrown: unknown): { error: TaskError; details?: Record<string, unknown> } {
  const e = toError(thrown)
  const retryable = e instanceof TaskFailure ? e.retryable : !(e instanceof NonRetryableError)
  const kind = e instanceof TaskFailure ? e.kind : 'error'
  const error: TaskError = { message: clip(e.message || e.name, MAX_MESSAGE_CHARS), retryable, kind }
  // A runner's failure message already says everything; a stack would only point at Baton.
  if (e.stack && !(e instanceof TaskFailure)) error.stack = clip(e.stack, MAX_STACK_CHARS)
  return e instanceof TaskFailure && e.details ? { error, details: e.details } : { error }
}
