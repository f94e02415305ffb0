/**
 * Baton's error hierarchy. Every error has a stable `code` that tests and callers match on,
 * sets `name`, and passes `cause`. Subclasses are grouped by what the caller should do.
 */

/** Options every Baton error accepts. */
export interface BatonErrorOptions {
  cause?: unknown
  runId?: string
  taskId?: string
}

/** Base class: a stable machine-readable `code` plus the ids the error concerns. */
export class BatonError extends Error {
  readonly code: string
  readonly runId?: string
  readonly taskId?: string
  constructor(code: string, message: string, options: BatonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    if (options.runId !== undefined) this.runId = options.runId
    if (options.taskId !== undefined) this.taskId = options.taskId
  }
}

/** A single problem found in user input: where (`path`) and why (`reason`). */
export interface ValidationIssue {
  path: string
  reason: string
}

/** User input is wrong (a definition, a param, a CLI flag). Fix the input; retrying is useless. */
export class ValidationError extends BatonError {
  readonly issues: readonly ValidationIssue[]
  constructor(issues: readonly ValidationIssue[], options: BatonErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'VALIDATION_FAILED', issues.map((i) => (i.path ? `${i.path}: ${i.reason}` : i.reason)).join('; '), options)
    this.issues = issues
  }
}

/** A named thing (workflow, run, backfill) does not exist. */
export class NotFoundError extends BatonError {
  constructor(what: string, id: string, options: BatonErrorOptions = {}) {
    super('NOT_FOUND', `${what} '${id}' not found`, options)
  }
}

/** A transition that the state machine forbids was requested (a programmer error in the shell). */
export class IllegalTransitionError extends BatonError {
  constructor(message: string, options: BatonErrorOptions = {}) {
    super('ILLEGAL_TRANSITION', message, options)
  }
}

/** Thrown by a task handler to fail the attempt without retrying. */
export class NonRetryableError extends BatonError {
  constructor(message: string, options: BatonErrorOptions = {}) {
    super('NON_RETRYABLE', message, options)
  }
}

/** A dependency (NATS, Postgres) is unavailable; the operation may succeed later. */
export class UnavailableError extends BatonError {
  constructor(message: string, options: BatonErrorOptions = {}) {
    super('UNAVAILABLE', message, options)
  }
}

/** Coerces anything caught at a boundary into an Error. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e
  return new Error(typeof e === 'string' ? e : JSON.stringify(e))
}
