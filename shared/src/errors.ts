/**
 * Baton's error hierarchy. Every error has a stable `code` that tests and callers match on,
 * sets `name`, and passes `cause`. Subclasses are grouped by what the caller should do.
 */

/**
 * Makes `instanceof` work across copies of Baton's code: a user's project has @baton/sdk and
 * @baton/cli, each with its own copy of these classes, and the CLI's bundle loads each command
 * separately — an error thrown by one copy must still be recognised by another. Each class marks
 * its prototype with a global symbol of its name; `instanceof` checks the mark (inherited by
 * subclasses) instead of the prototype chain. Temporal's SDK solves the same problem this way.
 */
export function markErrorClass(cls: abstract new (...args: never[]) => Error, name: string): void {
  const mark = Symbol.for(`baton.error.${name}`)
  Object.defineProperty(cls.prototype, mark, { value: true, enumerable: false })
  Object.defineProperty(cls, Symbol.hasInstance, {
    // A subclass that is not marked itself inherits this static method: it gets the ordinary check.
    value: function (this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value)
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark] === true
    },
  })
}

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

markErrorClass(BatonError, 'BatonError')
markErrorClass(ValidationError, 'ValidationError')
markErrorClass(NotFoundError, 'NotFoundError')
markErrorClass(IllegalTransitionError, 'IllegalTransitionError')
markErrorClass(NonRetryableError, 'NonRetryableError')
markErrorClass(UnavailableError, 'UnavailableError')

/** Coerces anything caught at a boundary into an Error. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e
  return new Error(typeof e === 'string' ? e : JSON.stringify(e))
}
