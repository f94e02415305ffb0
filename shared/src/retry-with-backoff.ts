import { BatonError, markErrorClass, UnavailableError, ValidationError, toError, type BatonErrorOptions, type ValidationIssue } from './errors.js'

/**
 * Start-up retries: a service started while NATS or Postgres is briefly down keeps trying to
 * reach it, with exponential backoff and jitter, instead of exiting (docs/operations.md, "What
 * happens when something fails"). The CLI's one-shot commands do not use it: they fail fast.
 */

/** Options of `retryWithBackoff`. */
export interface RetryOptions<T> {
  /** What is being reached, in log lines and the final error: `Postgres at postgres://baton@db:5432/baton`. Never a password (`withoutPassword`). */
  readonly what: string
  /** Each failure that will be retried is logged here once, at warn. */
  readonly logger?: { warn(fields: object, message: string): void }
  /** Aborting it ends the retries at once: the call rejects with a RetryAbortedError. */
  readonly signal?: AbortSignal
  /**
   * Give up once this long has passed since the first attempt (checked between attempts; the
   * last attempt is made at the deadline): the call rejects with the last failure. Default: never.
   * 0 makes one attempt.
   */
  readonly timeoutMs?: number
  /** Delay before the second attempt; it doubles for each attempt after. Default 200 ms. */
  readonly initialDelayMs?: number
  /** Longest delay between attempts. Default 5 000 ms. */
  readonly maxDelayMs?: number
  /** Whether a failure is worth another attempt. Default: anything but a ValidationError (bad config or options). */
  readonly isRetryable?: (e: Error) => boolean
  /** Releases a result that arrived after the call was aborted (a connection opened too late). */
  readonly dispose?: (value: T) => unknown
  /** Source of the jitter, in [0, 1). Default Math.random (tests pass a fixed one). */
  readonly random?: () => number
}

/** The retries were abandoned because their AbortSignal was aborted (the process is stopping). */
export class RetryAbortedError extends BatonError {
  constructor(what: string, options: BatonErrorOptions = {}) {
    super('RETRY_ABORTED', `stopped trying to reach ${what}: aborted`, options)
  }
}
markErrorClass(RetryAbortedError, 'RetryAbortedError')

/**
 * The delay before attempt `attempt + 1` (attempt counts from 1): `initialDelayMs × 2^(attempt-1)`
 * capped at `maxDelayMs`, of which a random half is taken off ("equal jitter": the delay never
 * drops below half the step, so the backoff still grows, and processes started together do not
 * retry in step).
 */
export function backoffDelayMs(attempt: number, initialDelayMs = 200, maxDelayMs = 5000, random: () => number = Math.random): number {
  const step = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(step / 2 + (step / 2) * random())
}

/**
 * Runs `operation` until it succeeds, waiting `backoffDelayMs` between attempts and logging each
 * failure (what, attempt, reason, next delay) once at warn. A failure that is not retryable, the
 * deadline passing, or the signal aborting ends it: the first two reject with the failure (an
 * UnavailableError saying how long it was tried, after more than one attempt), the last with a
 * RetryAbortedError at once, without waiting for an attempt in flight.
 */
export async function retryWithBackoff<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const o = checkedOptions(options)
  const started = Date.now()
  const deadline = o.timeoutMs === undefined ? Infinity : started + o.timeoutMs
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw new RetryAbortedError(o.what, { cause: o.signal.reason })
    let failure: Error
    try {
      return await untilAborted(operation(attempt), o)
    } catch (e) {
      if (e instanceof RetryAbortedError) throw e
      failure = toError(e)
    }
    if (!o.isRetryable(failure)) throw failure
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      if (attempt === 1) throw failure
      throw new UnavailableError(`gave up on ${o.what} after ${attempt} attempts in ${seconds(Date.now() - started)}: ${failure.message}`, { cause: failure })
    }
    const delay = Math.min(remaining, backoffDelayMs(attempt, o.initialDelayMs, o.maxDelayMs, o.random))
    o.logger?.warn({ target: o.what, attempt, retryInMs: delay, reason: failure.message }, `cannot reach ${o.what} (attempt ${attempt}: ${failure.message}); retrying in ${seconds(delay)}`)
    await sleep(delay, o.what, o.signal)
  }
}

/**
 * A URL (or a comma-separated list of them) with any password replaced by `***`, for log lines
 * and errors: `postgres://baton:s3cret@db/baton` → `postgres://baton:***@db/baton`.
 */
export function withoutPassword(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s,]*):[^@/\s,]*@/gi, '$1:***@')
}

type CheckedOptions<T> = Omit<RetryOptions<T>, 'isRetryable' | 'initialDelayMs' | 'maxDelayMs' | 'random'> & {
  readonly isRetryable: (e: Error) => boolean
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly random: () => number
}

function checkedOptions<T>(options: RetryOptions<T>): CheckedOptions<T> {
  const issues: ValidationIssue[] = []
  const ms = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && !Number.isNaN(v))) issues.push({ path: name, reason: `must be a number of milliseconds, at least 0 (got ${String(v)})` })
  }
  ms('timeoutMs', options.timeoutMs)
  ms('initialDelayMs', options.initialDelayMs)
  ms('maxDelayMs', options.maxDelayMs)
  if (issues.length > 0) throw new ValidationError(issues, { code: 'RETRY_OPTIONS_INVALID' })
  return {
    ...options,
    ...(options.timeoutMs === Infinity ? { timeoutMs: undefined } : {}),
    isRetryable: options.isRetryable ?? ((e) => !(e instanceof ValidationError)),
    initialDelayMs: options.initialDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 5000,
    random: options.random ?? Math.random,
  }
}

/** The attempt's outcome, or a RetryAbortedError as soon as the signal aborts (a late result is disposed of). */
function untilAborted<T>(attempt: Promise<T>, o: CheckedOptions<T>): Promise<T> {
  const signal = o.signal
  if (!signal) return attempt
  return new Promise<T>((resolve, reject) => {
    let aborted = false
    const onAbort = (): void => {
      aborted = true
      reject(new RetryAbortedError(o.what, { cause: signal.reason }))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    attempt.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        if (!aborted) return resolve(value)
        Promise.resolve()
          .then(() => o.dispose?.(value))
          .catch(() => {})
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        if (!aborted) reject(e)
      },
    )
  })
}

/** Waits `ms`; rejects with a RetryAbortedError as soon as the signal aborts. Keeps the process alive meanwhile. */
function sleep(ms: number, what: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RetryAbortedError(what, { cause: signal.reason }))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new RetryAbortedError(what, { cause: signal!.reason }))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`
}

/**
 * A service's start-up retry budget (coordinator, API): validates `startupTimeoutMs` (a
 * ValidationError with `code` otherwise) and returns a function giving each start-up step the
 * options its `retryWithBackoff` needs — the logger, the stop signal, and what is left of the one
 * deadline all steps share.
 */
export function startupRetryBudget(options: { logger: RetryOptions<unknown>['logger']; signal?: AbortSignal; startupTimeoutMs?: number; code: string }): () => Pick<RetryOptions<unknown>, 'logger' | 'signal' | 'timeoutMs'> {
  const timeout = options.startupTimeoutMs
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    throw new ValidationError([{ path: 'startupTimeoutMs', reason: 'must be a number of milliseconds, at least 0 (Infinity: no bound)' }], { code: options.code })
  }
  const deadline = timeout === undefined || timeout === Infinity ? undefined : Date.now() + timeout
  return () => ({
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(deadline === undefined ? {} : { timeoutMs: Math.max(0, deadline - Date.now()) }),
  })
}
