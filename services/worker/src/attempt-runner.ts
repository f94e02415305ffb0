import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { CrashPoint, crashPoint, newId, toError, type JsMsg, type Logger, type TaskCommand, type TaskError, type TaskEvent } from '@baton/shared'
import { AbortKind, AttemptAbortedError } from './attempt-abort.js'
import type { Ownership } from './attempt-ownership.js'
import { createHeartbeatSender } from './heartbeat-sender.js'
import type { InFlightAttempt, InFlightAttempts } from './in-flight-attempts.js'
import { checkOutput } from './output-check.js'
import type { TaskEventPublisher } from './result-publisher.js'
import { resolveExecutor, type ExecutorSource } from './runners/executor.js'
import { DeferredStart, reportStart, settleCommand, type StartReporting } from './attempt-start.js'
import { createTaskContext, type TaskContext } from './task-context.js'
import { toTaskError } from './task-failure.js'
import { startTaskSpan, traceIdOf, traceparentOf } from './task-span.js'
import type { TaskLogSink } from './task-logs/attempt-task-log.js'
import { createCapturingLogger } from './task-logs/capturing-logger.js'
import type { TaskLogPublisher } from './task-logs/task-log-publisher.js'
import { countAttempt, meterAttempt, type AttemptMeter } from './worker-metrics.js'

/**
 * How long a result waits for the attempt's task log to be stored, so `baton logs` after the
 * run finished shows everything; past it (NATS struggling) the result goes first.
 */
const TASK_LOG_FLUSH_MS = 5000

/** What the attempt runner needs from its worker. */
export interface AttemptRunnerDeps {
  readonly queue: string
  readonly workerId: string
  readonly logger: Logger
  readonly publisher: TaskEventPublisher
  /** Captures each attempt's ctx.log and runner output into `<NS>_LOGS`. */
  readonly taskLogs: TaskLogPublisher
  readonly inFlight: InFlightAttempts
  readonly executors: ExecutorSource
  /** Handlers still running after their attempt was aborted; shutdown waits for them (bounded). */
  readonly lingering: Set<Promise<void>>
  /** Asks the coordinators whether an attempt is this worker's (attempt-ownership.ts). */
  readonly confirmOwnership: (command: TaskCommand, signal: AbortSignal) => Promise<Ownership>
  /** How long a first delivery's handler runs before `started` is published; 0: before it runs. */
  readonly startedAfterMs: number
}

type Outcome =
  | { type: 'succeeded'; output: unknown; details?: Record<string, unknown> }
  | { type: 'failed'; error: TaskError; details?: Record<string, unknown> }
  | { type: 'aborted'; reason: string }

/**
 * Runs one command to its end: its start reported (before the handler, or deferred: after
 * `startedAfterMs` of a first delivery's handler, or implied by its result), the handler with
 * heartbeats, local execution timeout and abort, then `succeeded` or `failed` — except when an
 * abort notice stopped it, because the coordinator has already moved on. The command is acked
 * once JetStream stored the start or the result, so a worker dying before leaves it to be
 * redelivered. Never throws.
 */
export async function runAttempt(deps: AttemptRunnerDeps, command: TaskCommand, msg: JsMsg): Promise<void> {
  const { runId, taskId, attempt } = command
  const span = startTaskSpan(command, deps.queue)
  const traceparent = traceparentOf(span, command)
  const log = deps.logger.child({ runId, taskId, attempt, traceId: traceIdOf(command) })
  const event = (type: TaskEvent['type'], extra: Partial<TaskEvent> = {}): TaskEvent => ({
    id: newId(),
    runId,
    taskId,
    attempt,
    type,
    workerId: deps.workerId,
    at: new Date().toISOString(),
    ...extra,
  })

  const controller = new AbortController()
  let announceAbort!: (reason: AttemptAbortedError) => void
  const aborted = new Promise<AttemptAbortedError>((resolve) => (announceAbort = resolve))
  const entry: InFlightAttempt = {
    commandId: command.id,
    runId,
    taskId,
    attempt,
    abort(kind, detail) {
      if (controller.signal.aborted) return
      const reason = new AttemptAbortedError(kind, detail ?? abortMessage(kind, command, deps.workerId), { runId, taskId, attempt })
      // Announced before the signal fires, so the abort settles the race below ahead of any
      // rejection the handler produces in reaction to the signal.
      announceAbort(reason)
      controller.abort(reason)
    },
  }
  // Registered before `started` so an abort notice racing with the start is not missed.
  deps.inFlight.add(entry)
  let taskLog: TaskLogSink | undefined
  let meter: AttemptMeter | undefined
  const heartbeats = createHeartbeatSender({
    intervalMs: command.task.heartbeatMs / 3,
    send: (details) => deps.publisher.publishOnce(event('heartbeat', details ? { details } : {}), traceparent).catch((e: unknown) => log.debug({ err: toError(e) }, 'heartbeat not published')),
  })
  // A heartbeat before its start is stored would be refused as stale (and abort the attempt).
  let startReported = false
  try {
    const reporting: StartReporting = { publisher: deps.publisher, confirmOwnership: deps.confirmOwnership, log, traceparent, signal: controller.signal }
    let deferred: DeferredStart | undefined
    if (deps.startedAfterMs > 0 && msg.info.deliveryCount === 1) {
      deferred = new DeferredStart(
        deps.startedAfterMs,
        (startedAt, superseded) => reportStart({ ...reporting, superseded }, command, msg, event('started', { startedAt })),
        (outcome) => {
          if (outcome === 'run') {
            settleCommand(msg, 'ack', log)
            startReported = true
            heartbeats.start()
          } else if (outcome === 'gave_up') entry.abort(AbortKind.unconfirmed)
          else entry.abort(AbortKind.notice, 'the attempt belongs to another worker')
        },
      )
    } else {
      const outcome = await reportStart(reporting, command, msg, event('started'))
      if (outcome !== 'run') {
        countAttempt(deps.queue, outcome === 'gave_up' ? 'not_started' : 'not_owner')
        return
      }
      settleCommand(msg, 'ack', log)
      startReported = true
      heartbeats.start()
    }
    meter = meterAttempt(deps.queue, command.workflow)
    log.debug('attempt started')
    taskLog = deps.taskLogs.open(command, traceparent)

    const ctx = createTaskContext(command, {
      signal: controller.signal,
      log: () => createCapturingLogger(log, taskLog!),
      span,
      heartbeat: async (details) => {
        // A heartbeat must follow its attempt's start: a deferred start is published first.
        if (!startReported && (!deferred || (await deferred.reportNow()) !== 'run')) return
        await heartbeats.beat(details)
      },
      workerId: deps.workerId,
      queue: deps.queue,
    })
    const outcome = await runHandler(deps, command, ctx, taskLog, entry, controller.signal, aborted)
    // No heartbeat after the result: the coordinator would refuse it as stale.
    heartbeats.stop()
    // The deferred start settles first: a result must not overtake its `started`, and one that
    // could not be published (or proved the attempt someone else's) voids the result.
    const start = deferred ? await deferred.finish() : 'run'
    if (start === 'gave_up' || start === 'not_owner') {
      meter.finish(start === 'gave_up' ? 'not_started' : 'not_owner')
      log.info({ start }, 'attempt dropped: its start was not confirmed as ours; no result published')
      return
    }
    meter.finish(outcome.type, outcome.type === 'failed' ? outcome.error.kind : undefined)

    if (outcome.type === 'aborted') {
      // The coordinator moved on; a command whose start was never published is done with too.
      if (start === undefined) settleCommand(msg, 'ack', log)
      log.info({ reason: outcome.reason }, 'attempt aborted by notice; no result published')
      return
    }
    if (outcome.type === 'failed') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message })
      log.warn({ kind: outcome.error.kind, retryable: outcome.error.retryable, error: outcome.error.message }, 'attempt failed')
    } else {
      log.debug('attempt succeeded')
    }
    crashPoint(CrashPoint.workerAfterHandler)
    const implied = start === undefined && deferred ? { startedAt: deferred.startedAt } : {}
    const result =
      outcome.type === 'succeeded'
        ? event('succeeded', { output: outcome.output, ...implied, ...(outcome.details ? { details: outcome.details } : {}) })
        : event('failed', { error: outcome.error, ...implied, ...(outcome.details ? { details: outcome.details } : {}) })
    if (!(await taskLog.flush(TASK_LOG_FLUSH_MS))) log.warn('task log not fully stored before the result; the rest follows when NATS takes it')
    const stored = await deps.publisher.publish(result, traceparent)
    crashPoint(CrashPoint.workerAfterResult)
    // Without a `started`, the result is what JetStream had to store before the command is done
    // with; one that could not be stored (shutting down) goes back to the queue at once.
    if (start === undefined) settleCommand(msg, stored ? 'ack' : 'nak', log)
  } catch (e) {
    // Only a bug gets here (publish and settle never throw); keep the worker alive.
    log.error({ err: toError(e) }, 'attempt runner failed unexpectedly')
  } finally {
    heartbeats.stop()
    // A handler still running after an abort writes nowhere from here on.
    taskLog?.close()
    meter?.close()
    deps.inFlight.delete(entry)
    span.end()
  }
}

/**
 * Runs the handler under the execution timeout and the attempt's abort; an abort decides at
 * once, so a handler that ignores its signal cannot hold the outcome back.
 */
async function runHandler(
  deps: AttemptRunnerDeps,
  command: TaskCommand,
  ctx: TaskContext,
  taskLog: TaskLogSink,
  entry: InFlightAttempt,
  signal: AbortSignal,
  aborted: Promise<AttemptAbortedError>,
): Promise<Outcome> {
  const executionMs = command.task.executionMs
  const timeout = executionMs === undefined ? undefined : setTimeout(() => entry.abort(AbortKind.timeout), executionMs)
  try {
    const executor = resolveExecutor(command, deps.executors)
    crashPoint(CrashPoint.workerBeforeHandler)
    // An attempt aborted before it could start never reaches its handler.
    const running = signal.aborted ? Promise.reject(signal.reason as Error) : context.with(trace.setSpan(context.active(), ctx.span), () => executor(ctx, taskLog))
    const finished = running.then(
      (r): Outcome => {
        try {
          return { type: 'succeeded', output: checkOutput(r.output), ...(r.details ? { details: r.details } : {}) }
        } catch (e) {
          return { type: 'failed', ...toTaskError(e) }
        }
      },
      (e: unknown): Outcome => ({ type: 'failed', ...toTaskError(e) }),
    )
    const outcome = await Promise.race([finished, aborted.then((reason) => abortOutcome(reason))])
    if (!signal.aborted) return outcome
    linger(deps.lingering, finished)
    // Once aborted, only a success that got in first still counts, and never after a notice.
    const reason = signal.reason as AttemptAbortedError
    return outcome.type !== 'succeeded' || reason.kind === AbortKind.notice || reason.kind === AbortKind.unconfirmed ? abortOutcome(reason) : outcome
  } finally {
    if (timeout) clearTimeout(timeout)
  }
}

function abortOutcome(reason: AttemptAbortedError): Outcome {
  if (reason.kind === AbortKind.notice || reason.kind === AbortKind.unconfirmed) return { type: 'aborted', reason: reason.message }
  return { type: 'failed', error: { message: reason.message, retryable: true, kind: reason.kind } }
}

function abortMessage(kind: AbortKind, command: TaskCommand, workerId: string): string {
  switch (kind) {
    case AbortKind.timeout:
      return `execution timeout of ${command.task.executionMs} ms exceeded`
    case AbortKind.shutdown:
      return `worker ${workerId} shut down before the attempt finished`
    case AbortKind.notice:
      return 'aborted by an abort notice'
    case AbortKind.unconfirmed:
      return 'its start could not be published; the command goes back to the queue'
  }
}

/** Keeps an aborted handler's promise until it settles, so shutdown can wait for it. */
function linger(lingering: Set<Promise<void>>, finished: Promise<unknown>): void {
  const settled = finished.then(() => {
    lingering.delete(settled)
  })
  lingering.add(settled)
}
