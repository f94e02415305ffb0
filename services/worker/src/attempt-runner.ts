import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { CrashPoint, crashPoint, newId, toError, type JsMsg, type Logger, type TaskCommand, type TaskError, type TaskEvent } from '@baton/shared'
import { AbortKind, AttemptAbortedError } from './attempt-abort.js'
import type { Ownership } from './attempt-ownership.js'
import { createHeartbeatSender } from './heartbeat-sender.js'
import type { InFlightAttempt, InFlightAttempts } from './in-flight-attempts.js'
import { checkOutput } from './output-check.js'
import type { TaskEventPublisher } from './result-publisher.js'
import { resolveExecutor, type ExecutorSource } from './runners/executor.js'
import { createTaskContext } from './task-context.js'
import { toTaskError } from './task-failure.js'
import { startTaskSpan, traceIdOf, traceparentOf } from './task-span.js'
import type { TaskLogSink } from './task-logs/attempt-task-log.js'
import { createCapturingLogger } from './task-logs/capturing-logger.js'
import type { TaskLogPublisher } from './task-logs/task-log-publisher.js'
import { countAttempt, meterAttempt, type AttemptMeter } from './worker-metrics.js'

/**
 * How long `started` may be retried before the command is handed back with a nak: short of
 * the consumer's 30 s ack_wait, so the command is redelivered promptly rather than twice.
 */
const STARTED_GIVE_UP_MS = 10_000
/** Redelivery delay of a command whose `started` could not be published. */
const NAK_DELAY_MS = 1000
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
}

type Outcome =
  | { type: 'succeeded'; output: unknown; details?: Record<string, unknown> }
  | { type: 'failed'; error: TaskError; details?: Record<string, unknown> }
  | { type: 'aborted'; reason: string }

/**
 * Runs one command to its end: `started` (and only after its PubAck, the command's ack, so a
 * worker dying before that leaves the command to be redelivered), then the handler with
 * heartbeats, local execution timeout and abort, then `succeeded` or `failed` — except when an
 * abort notice stopped it, because the coordinator has already moved on. Never throws.
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
  try {
    let startRetried = false
    if (!(await deps.publisher.publish(event('started'), traceparent, { giveUpAfterMs: STARTED_GIVE_UP_MS, onRetried: () => (startRetried = true) }))) {
      settle(msg, 'nak', log)
      countAttempt(deps.queue, 'not_started')
      return
    }
    crashPoint(CrashPoint.workerAfterStarted)
    // Another worker may hold this command too: it was redelivered, or NATS restarted while our
    // `started` was being retried (and may have redelivered it meanwhile). Run only our own.
    if (startRetried || msg.info.deliveryCount > 1) {
      const owner = await deps.confirmOwnership(command, controller.signal)
      if (owner === 'not_mine') {
        log.info({ deliveryCount: msg.info.deliveryCount, startRetried }, 'attempt belongs to another worker; not running it')
        settle(msg, 'ack', log)
        countAttempt(deps.queue, 'not_owner')
        return
      }
      if (owner === 'unknown') log.warn({ deliveryCount: msg.info.deliveryCount, startRetried }, 'no coordinator confirmed the attempt is ours; running it (its transitions stay fenced)')
    }
    settle(msg, 'ack', log)
    meter = meterAttempt(deps.queue, command.workflow)
    log.debug('attempt started')
    taskLog = deps.taskLogs.open(command, traceparent)

    const heartbeats = createHeartbeatSender({
      intervalMs: command.task.heartbeatMs / 3,
      send: (details) => deps.publisher.publishOnce(event('heartbeat', details ? { details } : {}), traceparent).catch((e: unknown) => log.debug({ err: toError(e) }, 'heartbeat not published')),
    })
    const ctx = createTaskContext(command, {
      signal: controller.signal,
      log: () => createCapturingLogger(log, taskLog!),
      span,
      heartbeat: (details) => heartbeats.beat(details),
      workerId: deps.workerId,
      queue: deps.queue,
    })
    const executionMs = command.task.executionMs
    const timeout = executionMs === undefined ? undefined : setTimeout(() => entry.abort(AbortKind.timeout), executionMs)
    heartbeats.start()
    let outcome: Outcome
    try {
      const executor = resolveExecutor(command, deps.executors)
      crashPoint(CrashPoint.workerBeforeHandler)
      // An attempt aborted before it could start never reaches its handler.
      const running = controller.signal.aborted
        ? Promise.reject(controller.signal.reason as Error)
        : context.with(trace.setSpan(context.active(), span), () => executor(ctx, taskLog))
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
      // An abort decides at once: a handler that ignores its signal must not hold the result back.
      outcome = await Promise.race([finished, aborted.then((reason) => abortOutcome(reason))])
      if (controller.signal.aborted) {
        linger(deps.lingering, finished)
        // Once aborted, only a success that got in first still counts, and never after a notice.
        const reason = controller.signal.reason as AttemptAbortedError
        if (outcome.type !== 'succeeded' || reason.kind === AbortKind.notice) outcome = abortOutcome(reason)
      }
    } finally {
      if (timeout) clearTimeout(timeout)
      heartbeats.stop()
    }
    meter.finish(outcome.type, outcome.type === 'failed' ? outcome.error.kind : undefined)

    if (outcome.type === 'aborted') {
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
    const result =
      outcome.type === 'succeeded'
        ? event('succeeded', { output: outcome.output, ...(outcome.details ? { details: outcome.details } : {}) })
        : event('failed', { error: outcome.error, ...(outcome.details ? { details: outcome.details } : {}) })
    if (!(await taskLog.flush(TASK_LOG_FLUSH_MS))) log.warn('task log not fully stored before the result; the rest follows when NATS takes it')
    await deps.publisher.publish(result, traceparent)
    crashPoint(CrashPoint.workerAfterResult)
  } catch (e) {
    // Only a bug gets here (publish and settle never throw); keep the worker alive.
    log.error({ err: toError(e) }, 'attempt runner failed unexpectedly')
  } finally {
    // A handler still running after an abort writes nowhere from here on.
    taskLog?.close()
    meter?.close()
    deps.inFlight.delete(entry)
    span.end()
  }
}

function abortOutcome(reason: AttemptAbortedError): Outcome {
  if (reason.kind === AbortKind.notice) return { type: 'aborted', reason: reason.message }
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
  }
}

/** Keeps an aborted handler's promise until it settles, so shutdown can wait for it. */
function linger(lingering: Set<Promise<void>>, finished: Promise<unknown>): void {
  const settled = finished.then(() => {
    lingering.delete(settled)
  })
  lingering.add(settled)
}

/** Acks or naks a command; a closed connection makes that impossible, and redelivery covers it. */
function settle(msg: JsMsg, verb: 'ack' | 'nak', log: Logger): void {
  try {
    if (verb === 'ack') msg.ack()
    else msg.nak(NAK_DELAY_MS)
  } catch (e) {
    log.warn({ err: toError(e), verb }, 'cannot settle the command message; it will be redelivered')
  }
}
