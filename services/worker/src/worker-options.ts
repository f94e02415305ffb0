import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { createLogger, loadConfig, ValidationError, type BatonConfig, type Logger, type NatsConnection, type ValidationIssue } from '@baton/shared'
import type { TaskHandler } from './runners/executor.js'

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** Queue to consume (`<ns>.commands.<queue>`): letters, digits, `_` or `-`. */
  queue: string
  /** TypeScript handlers by name (`task.handler` in the command, the task id by default). */
  handlers?: Record<string, TaskHandler>
  /** Most attempts run at once. Default 4. */
  concurrency?: number
  /** Run `task.run` specs (`sh`, `http`) that have no TS handler. Default false (stock worker: true). */
  runners?: boolean
  /** Default: `loadConfig()` (BATON_* environment). */
  config?: BatonConfig
  /** Use this connection instead of opening one; it is left open on stop. */
  nc?: NatsConnection
  /** Root logger; attempts log through children of it. */
  logger?: Logger
  /** How long `stop()` waits for running attempts before aborting them. Default 30 000 ms. */
  shutdownGraceMs?: number
  /** Stable id in events and abort notices. Default: `<host>-<pid>-<random>`. */
  workerId?: string
  /**
   * How long start-up keeps retrying to reach NATS (with backoff, each failure logged at warn)
   * before `startWorker` rejects with the last failure. Default: for as long as the process
   * lives. 0: one attempt.
   */
  startupTimeoutMs?: number
  /** Aborting it during start-up stops the retries: `startWorker` rejects with a RetryAbortedError. */
  signal?: AbortSignal
  /**
   * How long an attempt's handler runs before its `started` is published (0 to 10 000 ms).
   * A result within that time implies the start: a short task costs one message and one
   * coordinator transaction fewer. 0 publishes `started`, stored by JetStream, before the
   * handler runs. Default: `config.startedAfterMs` (`BATON_STARTED_AFTER_MS`, 50).
   */
  startedAfterMs?: number
}

/** WorkerOptions with every default filled in, compiled once at start. */
export interface ResolvedWorkerOptions {
  readonly queue: string
  readonly handlers: Readonly<Record<string, TaskHandler>>
  readonly concurrency: number
  readonly runners: boolean
  readonly config: BatonConfig
  readonly nc?: NatsConnection
  readonly logger: Logger
  readonly shutdownGraceMs: number
  readonly workerId: string
  /** Undefined: start-up retries without end. */
  readonly startupTimeoutMs?: number
  readonly signal?: AbortSignal
  readonly startedAfterMs: number
}

const QUEUE = /^[A-Za-z0-9_-]{1,64}$/

/** Validates the options and fills the defaults; a bad option is a ValidationError (WORKER_OPTIONS_INVALID). */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const issues: ValidationIssue[] = []
  if (typeof options.queue !== 'string' || !QUEUE.test(options.queue)) issues.push({ path: 'queue', reason: 'must be letters, digits, _ or - (at most 64 chars)' })
  const concurrency = options.concurrency ?? 4
  if (!Number.isInteger(concurrency) || concurrency < 1) issues.push({ path: 'concurrency', reason: 'must be an integer of at least 1' })
  const shutdownGraceMs = options.shutdownGraceMs ?? 30_000
  if (!Number.isFinite(shutdownGraceMs) || shutdownGraceMs < 0) issues.push({ path: 'shutdownGraceMs', reason: 'must be a number of milliseconds, at least 0' })
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
  if (workerId.length < 1 || workerId.length > 200) issues.push({ path: 'workerId', reason: 'must be 1 to 200 characters' })
  const startupTimeoutMs = options.startupTimeoutMs
  if (startupTimeoutMs !== undefined && !(typeof startupTimeoutMs === 'number' && startupTimeoutMs >= 0)) issues.push({ path: 'startupTimeoutMs', reason: 'must be a number of milliseconds, at least 0 (Infinity: no bound)' })
  const startedAfterMs = options.startedAfterMs
  if (startedAfterMs !== undefined && !(Number.isInteger(startedAfterMs) && startedAfterMs >= 0 && startedAfterMs <= 10_000)) issues.push({ path: 'startedAfterMs', reason: 'must be an integer number of milliseconds from 0 to 10000' })
  for (const [name, fn] of Object.entries(options.handlers ?? {})) {
    if (typeof fn !== 'function') issues.push({ path: `handlers.${name}`, reason: 'must be a function' })
  }
  if (issues.length > 0) throw new ValidationError(issues, { code: 'WORKER_OPTIONS_INVALID' })

  const config = options.config ?? loadConfig()
  return Object.freeze({
    queue: options.queue,
    handlers: Object.freeze({ ...(options.handlers ?? {}) }),
    concurrency,
    runners: options.runners ?? false,
    config,
    ...(options.nc ? { nc: options.nc } : {}),
    logger: (options.logger ?? createLogger({ level: config.logLevel, name: 'baton-worker' })).child({ queue: options.queue, workerId }),
    shutdownGraceMs,
    workerId,
    ...(startupTimeoutMs !== undefined && startupTimeoutMs !== Infinity ? { startupTimeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    startedAfterMs: startedAfterMs ?? config.startedAfterMs,
  })
}
