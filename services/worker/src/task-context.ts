import type { Span } from '@opentelemetry/api'
import type { Logger, TaskCommand } from '@baton/shared'

/**
 * What a handler receives for one attempt of one task (brief §1). Everything is read-only; the
 * handler reports progress with `heartbeat` and its result by returning (or throwing).
 */
export interface TaskContext {
  /** The run this attempt belongs to (UUID). */
  readonly runId: string
  /** Name of the run's workflow. */
  readonly workflow: string
  /** The task's id within its workflow; for an instance of a mapped task, `task[i]`. */
  readonly taskId: string
  /**
   * An instance of a mapped task (`map:` in the definition): the mapped task's id, this
   * instance's index in the upstream list and its element. Undefined for any other task.
   */
  readonly map?: { readonly task: string; readonly index: number; readonly element: unknown }
  /** The run's partition (e.g. `2026-06-01`), null for unpartitioned runs. */
  readonly partition: string | null
  /** The run's params. */
  readonly params: Readonly<Record<string, unknown>>
  /** Outputs of the upstream tasks, by task id. */
  readonly inputs: Readonly<Record<string, unknown>>
  /** Attempt number, from 1. */
  readonly attempt: number
  /** Stable across retries of this task in this run: use it to make side effects idempotent. */
  readonly idempotencyKey: string
  /**
   * Fires on cancellation (abort notice), local execution timeout and worker shutdown; its
   * `reason` is an AttemptAbortedError whose `kind` tells which.
   */
  readonly signal: AbortSignal
  /**
   * pino logger: each line goes to the process log (bound to runId, taskId, attempt and
   * traceId) and to the attempt's task log, which `baton logs` prints (info and above).
   */
  readonly log: Logger
  /** Reports liveness now (at most one per second); automatic heartbeats also run meanwhile. */
  heartbeat(details?: Record<string, unknown>): Promise<void>
  /** The attempt's OpenTelemetry span (a child of the command's trace context). */
  readonly span: Span
  /** Id of the worker running the attempt. */
  readonly workerId: string
  /** Queue the command came from. */
  readonly queue: string
}

/**
 * Builds the frozen context of one attempt. `log` is made on first use: most handlers never log,
 * and a capturing pino logger per attempt was ~10% of a busy worker's CPU (issue 11 profiles).
 */
export function createTaskContext(
  command: TaskCommand,
  parts: { signal: AbortSignal; log: () => Logger; span: Span; heartbeat: TaskContext['heartbeat']; workerId: string; queue: string },
): TaskContext {
  let log: Logger | undefined
  return Object.freeze({
    get log(): Logger {
      return (log ??= parts.log())
    },
    runId: command.runId,
    workflow: command.workflow,
    taskId: command.taskId,
    partition: command.partition,
    params: command.params,
    inputs: command.inputs,
    attempt: command.attempt,
    idempotencyKey: command.idempotencyKey,
    signal: parts.signal,
    heartbeat: parts.heartbeat,
    span: parts.span,
    workerId: parts.workerId,
    queue: parts.queue,
    ...(command.map ? { map: command.map } : {}),
  })
}
