import { hostname } from 'node:os'
import {
  answerWorkerDiscovery,
  armCrashPoints,
  connectNats,
  ensureConsumer,
  ensureStreams,
  jetstreamClient,
  natsConnectionOptions,
  registerReadinessCheck,
  retryWithBackoff,
  subjectsFor,
  toError,
  type JsMsg,
  type NatsConnection,
} from '@baton/shared'
import { listenForAborts } from './abort-listener.js'
import { confirmOwnership } from './attempt-ownership.js'
import { AbortKind } from './attempt-abort.js'
import { runAttempt, type AttemptRunnerDeps } from './attempt-runner.js'
import { waitAtMost } from './bounded-wait.js'
import { startCommandConsumer } from './command-consumer.js'
import { ConcurrencyLimit } from './concurrency-limit.js'
import { decodeCommand } from './decode-command.js'
import { InFlightAttempts } from './in-flight-attempts.js'
import { createTaskEventPublisher } from './result-publisher.js'
import { tracedTaskEventPublisher } from './traced-publisher.js'
import { createTaskLogPublisher } from './task-logs/task-log-publisher.js'
import { KILL_AFTER_MS } from './runners/sh-runner.js'
import { resolveWorkerOptions, type WorkerOptions } from './worker-options.js'
import { countInvalidCommand, startWorkerMetrics } from './worker-metrics.js'

/** Ack wait of a queue's consumer: a command not acked in time (worker died before `started`) is redelivered. */
const COMMAND_ACK_WAIT_MS = 30_000
/** After the grace period, how long aborted attempts get to publish their `worker_shutdown` failure. */
const RESULT_FLUSH_MS = 10_000
/** How long shutdown waits for aborted handlers to settle: long enough for a shell group's SIGKILL. */
const HANDLER_SETTLE_MS = KILL_AFTER_MS + 1000
/** At shutdown, how long task log batches still being published get before they are dropped. */
const TASK_LOG_CLOSE_MS = 5000

/** A running worker of one queue. */
export interface Worker {
  /** Id in this worker's task events (and in abort notices aimed at it). */
  readonly id: string
  /** The queue it consumes. */
  readonly queue: string
  /**
   * Graceful shutdown: stops taking commands, waits up to `shutdownGraceMs` for running
   * attempts, aborts the rest (each reports a retryable `worker_shutdown` failure), then closes
   * the subscriptions and, when the worker opened it, the connection. Idempotent.
   */
  stop(): Promise<void>
  /** Resolves once the worker has fully stopped. */
  readonly closed: Promise<void>
}

/**
 * Starts a worker: ensures the namespace's streams and the queue's durable consumer, listens
 * for abort notices, then runs commands from `<ns>.commands.<queue>`, at most `concurrency` at
 * once, with the TS handlers (and, with `runners`, the built-in sh/http runners).
 */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const o = resolveWorkerOptions(options)
  armCrashPoints(o.config.crashPoints)
  const log = o.logger
  const subjects = subjectsFor(o.config.namespace)
  const ownsConnection = o.nc === undefined
  // NATS may be down or not up yet: start-up retries until it answers (the signal aborts, or
  // startupTimeoutMs bounds it), and only then reports `worker started`.
  const startupDeadline = o.startupTimeoutMs === undefined ? undefined : Date.now() + o.startupTimeoutMs
  const natsAt = `NATS at ${natsConnectionOptions(o.config.natsUrl).servers.join(',')}`
  const startup = () => ({
    logger: log,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(startupDeadline === undefined ? {} : { timeoutMs: Math.max(0, startupDeadline - Date.now()) }),
  })
  const nc: NatsConnection =
    o.nc ?? (await retryWithBackoff(() => connectNats(o.config.natsUrl, `baton-worker-${o.queue}-${o.workerId}`), { ...startup(), what: natsAt, dispose: (c) => c.close() }))

  const inFlight = new InFlightAttempts()
  const limit = new ConcurrencyLimit(o.concurrency)
  const lingering = new Set<Promise<void>>()
  const js = jetstreamClient(nc)
  const publisher = tracedTaskEventPublisher(createTaskEventPublisher({ nc, js, subjects, logger: log }))
  const taskLogs = createTaskLogPublisher({ nc, js, subjects, logger: log, queue: o.queue, workerId: o.workerId, maxBytes: o.config.taskLogMaxBytes })
  const deps: AttemptRunnerDeps = {
    queue: o.queue,
    workerId: o.workerId,
    logger: log,
    publisher,
    taskLogs,
    inFlight,
    executors: { handlers: o.handlers, runners: o.runners, queue: o.queue, workerId: o.workerId },
    lingering,
    confirmOwnership: (command, signal) => confirmOwnership(nc, subjects, command, o.workerId, signal),
    startedAfterMs: o.startedAfterMs,
  }

  const onMessage = async (msg: JsMsg): Promise<void> => {
    const decoded = decodeCommand(msg.data)
    if (!decoded.ok) {
      // Poison: redelivery cannot fix it, so terminate (never a retry loop) and log this once.
      log.warn({ seq: msg.seq, subject: msg.subject, reason: decoded.reason }, 'terminated an invalid command message')
      countInvalidCommand(o.queue)
      // No reason argument: `+TERM <reason>` needs nats-server 2.10.4+, older servers ignore the
      // whole ack and would redeliver the poison forever; the reason is in the log line above.
      msg.term()
      return
    }
    if (inFlight.hasCommand(decoded.command.id)) {
      // A redelivery of a command running here: the running attempt acks the same message.
      log.debug({ commandId: decoded.command.id }, 'ignored a redelivered command that is already running')
      return
    }
    await runAttempt(deps, decoded.command, msg)
  }

  let abortListener: Awaited<ReturnType<typeof listenForAborts>> | undefined
  const startedAt = new Date().toISOString()
  // Answers `baton deploy` (and the API) asking which workers are up and what they handle.
  const stopAnswering = answerWorkerDiscovery(nc, subjects, () => ({
    workerId: o.workerId,
    queue: o.queue,
    handlers: Object.keys(o.handlers),
    runners: o.runners,
    concurrency: o.concurrency,
    running: inFlight.size,
    host: hostname(),
    pid: process.pid,
    startedAt,
  }))
  let consumer: Awaited<ReturnType<typeof startCommandConsumer>>
  let stopMetrics: () => Promise<void> = async () => {}
  try {
    stopMetrics = await startWorkerMetrics(o.config, log)
    await retryWithBackoff(
      async () => {
        const jsm = await ensureStreams(nc, subjects, { replicas: o.config.streamReplicas })
        await ensureConsumer(jsm, subjects.commandsStream, subjects.workerConsumer(o.queue), subjects.command(o.queue), { ackWaitMs: COMMAND_ACK_WAIT_MS })
      },
      { ...startup(), what: `JetStream at ${natsAt}` },
    )
    abortListener = await listenForAborts({ nc, subject: subjects.abort, workerId: o.workerId, inFlight, logger: log })
    consumer = await startCommandConsumer({
      js,
      stream: subjects.commandsStream,
      durable: subjects.workerConsumer(o.queue),
      limit,
      logger: log,
      onMessage,
    })
  } catch (e) {
    stopAnswering()
    abortListener?.close()
    await stopMetrics()
    if (ownsConnection) await nc.close().catch(() => {})
    throw e
  }
  log.info({ concurrency: o.concurrency, runners: o.runners, handlers: Object.keys(o.handlers) }, 'worker started')

  let stopping: Promise<void> | undefined
  // Ready while it takes commands: NATS answers and it is not stopping (a stopping worker
  // finishes what runs but takes nothing new). A consumer that ends stops the worker (below).
  const unregisterReadiness = registerReadinessCheck(`worker.${o.queue}`, async () => {
    if (stopping) throw new Error('stopping: taking no new commands')
    if (nc.isClosed()) throw new Error('the NATS connection is closed')
    await nc.flush()
  })
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve))

  const shutdown = async (): Promise<void> => {
    try {
      unregisterReadiness()
      stopAnswering()
      consumer.stop()
      await consumer.done
      if (inFlight.size > 0) {
        log.info({ running: inFlight.size, graceMs: o.shutdownGraceMs }, 'waiting for running attempts before stopping')
        await waitAtMost(inFlight.whenEmpty(), o.shutdownGraceMs)
      }
      if (inFlight.size > 0) {
        log.warn({ running: inFlight.size }, 'aborting attempts still running after the shutdown grace period')
        for (const a of inFlight.all()) a.abort(AbortKind.shutdown)
        if (!(await waitAtMost(inFlight.whenEmpty(), RESULT_FLUSH_MS))) publisher.close()
        await inFlight.whenEmpty()
      }
      if (lingering.size > 0) await waitAtMost(Promise.all(lingering), HANDLER_SETTLE_MS)
      await taskLogs.close(TASK_LOG_CLOSE_MS)
      publisher.close()
      abortListener.close()
      if (ownsConnection) await nc.drain()
      log.info('worker stopped')
    } catch (e) {
      log.error({ err: toError(e) }, 'error while stopping the worker')
      if (ownsConnection) await nc.close().catch(() => {})
    } finally {
      await stopMetrics().catch(() => {})
      resolveClosed()
    }
  }

  const stop = (): Promise<void> => {
    stopping ??= shutdown()
    return stopping
  }
  // A consumer that ends on its own (stream deleted for good, connection closed) ends the worker.
  void consumer.done.then(() => {
    if (!stopping) {
      log.error('command consumer ended; stopping the worker')
      void stop()
    }
  })

  return { id: o.workerId, queue: o.queue, stop, closed }
}
