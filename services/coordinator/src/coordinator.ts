import {
  armCrashPoints,
  connectNats,
  createDb,
  createLogger,
  ensureConsumer,
  ensureDatabase,
  ensureStreams,
  jetstreamClient,
  loadConfig,
  migrateToLatest,
  natsConnectionOptions,
  retryWithBackoff,
  startupRetryBudget,
  subjectsFor,
  withoutPassword,
  type BatonConfig,
  type Db,
  type Logger,
  type NatsConnection,
} from '@baton/shared'
import { COORDINATOR_ACK_WAIT_MS, EventConsumer } from './consume/event-consumer.js'
import { DefinitionCache } from './definitions/definition-cache.js'
import { PeriodicJob } from './jobs/periodic-job.js'
import { OutboxPublisher } from './outbox/outbox-publisher.js'
import { fireDueTimers } from './timers/timer-poller.js'
import { fireDueSchedules } from './scheduler/cron-scheduler.js'
import { admitQueuedRuns } from './scheduler/run-admission.js'
import { admitWaitingAttempts } from './scheduler/slot-admission.js'
import { raiseMissedReadiness } from './scheduler/readiness-deadlines.js'
import { loadAlertRoutes } from './alerts/alert-routes.js'
import { deliverAlerts } from './alerts/alert-delivery.js'
import { lastLogLinesReader } from './alerts/last-log-lines.js'
import { watchQueues } from './alerts/queue-watch.js'
import { drainRunTrace } from './telemetry/run-trace.js'
import { startCoordinatorMetrics } from './telemetry/coordinator-metrics.js'
import { registerCoordinatorHealth } from './telemetry/coordinator-health.js'
import { answerAttemptOwnerQueries } from './ownership/attempt-owner-responder.js'

/** Options of `startCoordinator`. */
export interface CoordinatorOptions {
  readonly config?: BatonConfig
  readonly logger?: Logger
  /** Use this connection instead of opening one (it is not closed on stop). */
  readonly nc?: NatsConnection
  /**
   * How long start-up keeps retrying to reach Postgres and NATS (with backoff, each failure
   * logged at warn) before `startCoordinator` rejects with the last failure. Default: for as long
   * as the process lives. 0: one attempt each.
   */
  readonly startupTimeoutMs?: number
  /** Aborting it during start-up stops the retries: `startCoordinator` rejects with a RetryAbortedError. */
  readonly signal?: AbortSignal
  /** Largest number of events per transaction (default 500). */
  readonly batchMax?: number
  /** How often due timers are looked for (default 100 ms). */
  readonly timerIntervalMs?: number
  /** How often cron schedules and readiness deadlines are checked (default 500 ms). */
  readonly scheduleIntervalMs?: number
  /** How often due alert deliveries are sent (default 1 s). */
  readonly alertIntervalMs?: number
  /** How long a claimed alert delivery is one job's alone (default `DELIVERY_LEASE_MS`, 30 s; tests shorten it). */
  readonly alertLeaseMs?: number
  /** How often queues are checked for work with no worker polling (default 5 s). */
  readonly queueWatchIntervalMs?: number
  /** How often queued runs of concurrency groups are admitted (default 200 ms). */
  readonly admissionIntervalMs?: number
  /** Age after which an unpublished outbox row is re-published by the relay (default 2 s). */
  readonly relayAfterMs?: number
  /** Apply batches of workers' task events without locks first (default true; tests of the locked path turn it off). */
  readonly optimisticApply?: boolean
  /** How long a batch of only starts waits for their results (default START_HOLD_MS; 0: never). */
  readonly startHoldMs?: number
  /** Called after each committed event batch. */
  readonly onBatch?: (info: { messages: number; transitions: number }) => void
}

/** A running coordinator. */
export interface Coordinator {
  readonly db: Db
  /** Stops consuming, finishes the batch in progress, flushes, closes connections it opened. */
  stop(): Promise<void>
}

/**
 * Starts a coordinator: migrates the namespace schema, provisions streams and the shared
 * consumer, then runs the event consumer, the timer poller, the outbox relay and the outbox
 * cleanup. Any number may run on one namespace (brief §3, rule 4).
 */
export async function startCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  const config = options.config ?? loadConfig()
  armCrashPoints(config.crashPoints)
  const log = (options.logger ?? createLogger({ level: config.logLevel })).child({ component: 'coordinator', namespace: config.namespace })
  const subjects = subjectsFor(config.namespace)
  // Postgres and NATS may be down or not up yet: start-up retries until they answer (the signal
  // aborts, or startupTimeoutMs bounds it), and only then reports `coordinator started`.
  const startup = startupRetryBudget({ logger: log, ...(options.signal ? { signal: options.signal } : {}), ...(options.startupTimeoutMs !== undefined ? { startupTimeoutMs: options.startupTimeoutMs } : {}), code: 'COORDINATOR_OPTIONS_INVALID' })
  await retryWithBackoff(
    async () => {
      await ensureDatabase(config.databaseUrl)
      await migrateToLatest(config.databaseUrl, config.namespace)
    },
    { ...startup(), what: `Postgres at ${withoutPassword(config.databaseUrl)}` },
  )
  const natsAt = `NATS at ${natsConnectionOptions(config.natsUrl).servers.join(',')}`
  const nc = options.nc ?? (await retryWithBackoff(() => connectNats(config.natsUrl, 'baton-coordinator'), { ...startup(), what: natsAt, dispose: (c) => c.close() }))
  const jsm = await retryWithBackoff(
    async () => {
      const m = await ensureStreams(nc, subjects, { replicas: config.streamReplicas })
      await ensureConsumer(m, subjects.eventsStream, subjects.coordinatorConsumer, subjects.events, { ackWaitMs: COORDINATOR_ACK_WAIT_MS, maxAckPending: 20_000 })
      return m
    },
    { ...startup(), what: `JetStream at ${natsAt}` },
  ).catch(async (e: unknown) => {
    if (!options.nc) await nc.close().catch(() => {})
    throw e
  })
  const db = createDb(config.databaseUrl, config.namespace, { max: 8, applicationName: `baton-coordinator:${config.namespace}` })
  const js = jetstreamClient(nc)
  const definitions = new DefinitionCache()
  const publisher = new OutboxPublisher(db, nc, js, log)

  const alerting = { routes: loadAlertRoutes(config.alertRoutesPath), repeatWindowMs: config.alertRepeatWindowMs }
  const links = { ...(config.runUrl ? { runUrl: config.runUrl } : {}), ...((config as { traceUrl?: string }).traceUrl ? { traceUrl: (config as { traceUrl?: string }).traceUrl! } : {}) }

  const lastLines = lastLogLinesReader(jsm, subjects)
  let relayedOnce = 0
  const timers = new PeriodicJob('timers', options.timerIntervalMs ?? 100, () => fireDueTimers(db, definitions, subjects, publisher, new Date(), alerting, new Date(consumer.eventsAppliedUpTo)), log)
  // Attempts waiting for pool or concurrency slots: admitted on every change a batch reports, and
  // on a tick for what no batch here reported (another coordinator's release, a timer's).
  const slotAdmission = new PeriodicJob('slot-admission', options.admissionIntervalMs ?? 200, () => admitWaitingAttempts(db, definitions, subjects, publisher), log)
  const consumer = new EventConsumer({
    db,
    js,
    subjects,
    definitions,
    publisher,
    log,
    alerting,
    backfillMaxPartitions: config.backfillMaxPartitions,
    // A wide fan-out's next chunk is a timer due now: fire it without waiting for the next poll.
    onContinuation: () => timers.runNow(),
    onSlotsChanged: () => slotAdmission.runNow(),
    ...(options.batchMax ? { batchMax: options.batchMax } : {}),
    ...(options.optimisticApply === false ? { optimistic: false } : {}),
    ...(options.startHoldMs !== undefined ? { startHoldMs: options.startHoldMs } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  })
  const jobs = [
    timers,
    slotAdmission,
    // At start-up everything left in the outbox is relayed at once (a crash between commit and
    // publish); after that only rows no live path confirmed within relayAfterMs.
    new PeriodicJob('outbox-relay', 1000, async () => (await publisher.relayStale(relayedOnce++ === 0 ? 0 : (options.relayAfterMs ?? 2000))) >= 500, log),
    new PeriodicJob('outbox-cleanup', 100, () => publisher.flush(), log),
    new PeriodicJob('schedules', options.scheduleIntervalMs ?? 500, () => fireDueSchedules(db, definitions, subjects, publisher), log),
    new PeriodicJob('admission', options.admissionIntervalMs ?? 200, () => admitQueuedRuns(db, definitions, subjects, publisher), log),
    new PeriodicJob('readiness-deadlines', options.scheduleIntervalMs ?? 500, () => raiseMissedReadiness(db, subjects, publisher, new Date(), alerting), log),
    new PeriodicJob('alert-delivery', options.alertIntervalMs ?? 1000, () => deliverAlerts(db, alerting.routes, links, log, new Date(), lastLines, options.alertLeaseMs ? { leaseMs: options.alertLeaseMs } : {}), log),
    new PeriodicJob('queue-watch', options.queueWatchIntervalMs ?? 5000, () => watchQueues(db, jsm, subjects, alerting, config.queueUnattendedAfterMs), log),
  ]
  const stopMetrics = await startCoordinatorMetrics(config, db, jsm, subjects, log)
  await consumer.start()
  for (const j of jobs) j.start()
  const ownership = answerAttemptOwnerQueries(nc, db, subjects, log)
  const unregisterHealth = registerCoordinatorHealth(nc, db, consumer)
  log.info('coordinator started')

  let stopping: Promise<void> | undefined
  return {
    db,
    stop() {
      stopping ??= (async () => {
        unregisterHealth()
        ownership.stop()
        await consumer.stop()
        for (const j of jobs) await j.stop()
        await publisher.flush()
        if (!options.nc) await nc.drain().catch(() => {})
        // Spans of the last batches read attempt times from the database: let them finish first.
        await drainRunTrace()
        await stopMetrics()
        await db.destroy()
        log.info('coordinator stopped')
      })()
      return stopping
    },
  }
}
