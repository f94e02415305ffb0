import {
  createNoopMeter,
  type Attributes,
  type BatchObservableResult,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableGauge,
  type UpDownCounter,
} from '@opentelemetry/api'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import type { Server } from 'node:http'
import { UnavailableError } from '../errors.js'
import { closeProcessEndpoint, serveProcessEndpoint } from './process-endpoint.js'

/**
 * Baton's metrics: the one module that owns the OpenTelemetry MeterProvider and its Prometheus
 * exporter (`GET /metrics`). Domain code records through the typed `batonMetrics()` object and
 * never touches the OTel API. Until `startMetrics` runs every instrument is a no-op, so
 * libraries and tests that serve no endpoint pay nothing. The names (Prometheus style, the
 * exporter adds no suffixes to them) are listed in docs/operations.md.
 */

/** A counter whose labels are typed. */
export interface CounterMetric<L extends Attributes> {
  add(labels: L, value?: number): void
}
/** A histogram whose labels are typed. */
export interface HistogramMetric<L extends Attributes> {
  record(labels: L, value: number): void
}

/** How an attempt ended, as the coordinator recorded it. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'timed_out' | 'cancelled'
/** How an attempt ended on a worker (`not_started`: its `started` could not be published; `not_owner`: another worker owns it). */
export type WorkerAttemptOutcome = 'succeeded' | 'failed' | 'aborted' | 'not_started' | 'not_owner'
/** Why a message was dead-lettered. */
export type DeadLetterKind = 'invalid_message' | 'unknown_run' | 'rejected' | 'apply_failed'

/** One queue's numbers, from its JetStream consumer. */
export interface QueueGauge {
  readonly queue: string
  /** Commands not yet delivered to any worker. */
  readonly depth: number
  /** Commands delivered to a worker and not yet acknowledged. */
  readonly lag: number
  /** Pull requests waiting on the consumer (about the number of idle worker slots polling). */
  readonly workers?: number
}
/** One pool's numbers, from its row and the slot holds and waits naming it. */
export interface PoolGauge {
  readonly pool: string
  /** The pool's size. */
  readonly slots: number
  /** Slots held by attempts queued for a worker or running. */
  readonly used: number
  /** Attempts waiting for the pool's slots. */
  readonly waiting: number
  /** How long the oldest waiting attempt has waited (0 when none waits). */
  readonly oldestWaitSeconds: number
}

/** A sample of the gauges a coordinator reports. Missing parts are not reported. */
export interface GaugeSample {
  readonly queues?: readonly QueueGauge[]
  readonly pools?: readonly PoolGauge[]
  readonly outboxBacklog?: number
  /** Age of the oldest outbox row, by the database's clock (0 when the outbox is empty). */
  readonly outboxOldestSeconds?: number
  readonly timerLagSeconds?: number
  /** Events stored in JetStream and not yet applied: the coordinators' consumer's pending plus unacknowledged. */
  readonly eventsWaiting?: number
}

/** Every instrument, created once per process. */
export interface BatonMetrics {
  readonly runsStarted: CounterMetric<{ workflow: string; trigger: string }>
  readonly runsFinished: CounterMetric<{ workflow: string; status: string }>
  readonly taskAttempts: CounterMetric<{ workflow: string; queue: string; outcome: AttemptOutcome }>
  readonly taskTransitions: CounterMetric<{ workflow: string; status: string }>
  readonly deadLetters: CounterMetric<{ reason_kind: DeadLetterKind }>
  readonly handoffLatency: HistogramMetric<{ queue: string }>
  readonly scheduleToStart: HistogramMetric<{ queue: string }>
  readonly taskDuration: HistogramMetric<{ workflow: string; outcome: AttemptOutcome }>
  readonly eventBatchSize: HistogramMetric<Record<never, string>>
  /** How batches of task events were applied: `optimistic`, or `locked` after a `conflict` or because it `needs_lock`. */
  readonly optimisticBatches: CounterMetric<{ outcome: 'applied' | 'conflict' | 'needs_lock' }>
  readonly workerAttempts: CounterMetric<{ queue: string; outcome: WorkerAttemptOutcome; kind?: string }>
  readonly workerAttemptDuration: HistogramMetric<{ queue: string; workflow: string; outcome: WorkerAttemptOutcome }>
  /** Attempts running on this worker (add +1 / -1). */
  readonly workerInFlight: CounterMetric<{ queue: string }>
  readonly workerInvalidCommands: CounterMetric<{ queue: string }>
  readonly taskLogRecordsDropped: CounterMetric<{ queue: string; reason: 'buffer_full' | 'gave_up' | 'closed' }>
  readonly taskLogsTruncated: CounterMetric<{ queue: string }>
  /** Sends of owner alerts, by channel name and whether the receiver accepted them. */
  readonly alertDeliveries: CounterMetric<{ channel: string; outcome: 'delivered' | 'failed' }>
  /**
   * Registers a source of gauge values, sampled when the endpoint is scraped (at most once a
   * second, bounded by a timeout: a slow source reports its last sample). Returns the unregister.
   */
  observeGauges(sample: () => Promise<GaugeSample>): () => void
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600]
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
/** A scrape reuses a gauge sample younger than this. */
const SAMPLE_MAX_AGE_MS = 1000
/** A scrape waits at most this long for a gauge sample. */
const SAMPLE_TIMEOUT_MS = 2000

type Bindable = { bind(meter: Meter): void }

function counter<L extends Attributes>(name: string, description: string, upDown = false): CounterMetric<L> & Bindable {
  let inst: Counter | UpDownCounter = createNoopMeter().createCounter(name)
  return {
    bind: (meter) => (inst = upDown ? meter.createUpDownCounter(name, { description }) : meter.createCounter(name, { description })),
    add: (labels, value = 1) => inst.add(value, labels),
  }
}

function histogram<L extends Attributes>(name: string, description: string, buckets: number[], unit?: string): HistogramMetric<L> & Bindable {
  let inst: Histogram = createNoopMeter().createHistogram(name)
  return {
    bind: (meter) => (inst = meter.createHistogram(name, { description, ...(unit ? { unit } : {}), advice: { explicitBucketBoundaries: buckets } })),
    record: (labels, value) => inst.record(value, labels),
  }
}

/** A gauge source with its last sample. */
interface GaugeSource {
  readonly sample: () => Promise<GaugeSample>
  last?: GaugeSample
  at: number
  pending?: Promise<GaugeSample | undefined>
}
const sources = new Set<GaugeSource>()

async function sampleOf(s: GaugeSource): Promise<GaugeSample | undefined> {
  if (s.last && Date.now() - s.at < SAMPLE_MAX_AGE_MS) return s.last
  s.pending ??= s
    .sample()
    .then(
      (v) => {
        s.last = v
        s.at = Date.now()
        return v
      },
      () => undefined,
    )
    .finally(() => (s.pending = undefined))
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<GaugeSample | undefined>((r) => (timer = setTimeout(() => r(s.last), SAMPLE_TIMEOUT_MS)))
  try {
    return await Promise.race([s.pending, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const instruments = {
  runsStarted: counter('baton_runs_started_total', 'Runs started (moved to running), by workflow and trigger'),
  runsFinished: counter('baton_runs_finished_total', 'Runs that reached a terminal status, by workflow and status'),
  taskAttempts: counter('baton_task_attempts_total', 'Task attempts ended, by workflow, queue and outcome (succeeded, failed, timed_out, cancelled)'),
  taskTransitions: counter('baton_task_transitions_total', 'Task status changes, by workflow and new status'),
  deadLetters: counter('baton_dead_letters_total', 'Messages dead-lettered, by reason kind (invalid_message, unknown_run, rejected, apply_failed)'),
  handoffLatency: histogram('baton_handoff_latency_seconds', "Time from a task's completion event reaching JetStream to its downstream command's publish confirmation", LATENCY_BUCKETS, 's'),
  scheduleToStart: histogram('baton_schedule_to_start_seconds', 'Time from a task attempt being queued to its start, by queue', WAIT_BUCKETS, 's'),
  taskDuration: histogram('baton_task_duration_seconds', 'Time from a task attempt starting to its end, by workflow and outcome', DURATION_BUCKETS, 's'),
  eventBatchSize: histogram('baton_event_batch_size', 'Events applied per coordinator transaction', BATCH_BUCKETS),
  optimisticBatches: counter('baton_optimistic_batches_total', 'Batches of task events tried without locks, by outcome (applied; conflict or needs_lock: applied again under the run locks)'),
  workerAttempts: counter('baton_worker_attempts_total', 'Attempts finished by this worker, by queue and outcome (succeeded, failed, aborted, not_started, not_owner)'),
  workerAttemptDuration: histogram('baton_worker_attempt_duration_seconds', "Time an attempt's handler ran on this worker, by queue, workflow and outcome", DURATION_BUCKETS, 's'),
  workerInFlight: counter('baton_worker_attempts_in_flight', 'Attempts running on this worker, by queue', true),
  workerInvalidCommands: counter('baton_worker_invalid_commands_total', 'Command messages terminated because they could not be decoded or validated, by queue'),
  taskLogRecordsDropped: counter('baton_worker_task_log_records_dropped_total', "Task log records not stored, by queue and reason (buffer_full, gave_up, closed)"),
  taskLogsTruncated: counter('baton_worker_task_logs_truncated_total', 'Attempts whose task log reached BATON_TASK_LOG_MAX_BYTES, by queue'),
  alertDeliveries: counter('baton_alert_deliveries_total', "Sends of owner alerts to their channels, by channel and outcome (delivered: the receiver answered 2xx; failed: it refused, did not answer in time or is not configured, and the send is retried with backoff)"),
}

const metricsObject: BatonMetrics = {
  ...instruments,
  observeGauges(sample) {
    const source: GaugeSource = { sample, at: 0 }
    sources.add(source)
    return () => void sources.delete(source)
  },
}

/** The process's instruments (no-ops while no endpoint is started). */
export function batonMetrics(): BatonMetrics {
  return metricsObject
}

function bindGauges(meter: Meter): void {
  const gauge = (name: string, description: string): ObservableGauge => meter.createObservableGauge(name, { description })
  const depth = gauge('baton_queue_depth', 'Commands waiting on a queue, not yet delivered to a worker (JetStream num_pending)')
  const lag = gauge('baton_consumer_lag', "Commands delivered to a queue's workers and not yet acknowledged (JetStream num_ack_pending)")
  const workers = gauge('baton_queue_workers', "Pull requests waiting on a queue's consumer, about the idle worker slots polling it (JetStream num_waiting)")
  const backlog = gauge('baton_outbox_backlog', 'Outbox rows committed and not yet published')
  const outboxOldest = gauge('baton_outbox_oldest_seconds', 'Age of the oldest outbox row not yet published (0 when the outbox is empty)')
  const timerLag = gauge('baton_timer_lag_seconds', 'How late the oldest due timer is (0 when none is due)')
  const eventsWaiting = gauge('baton_events_waiting', "Events stored in JetStream and not yet applied by a coordinator (the coordinators' consumer's num_pending plus num_ack_pending)")
  const poolSlots = gauge('baton_pool_slots', "A pool's size in slots")
  const poolUsed = gauge('baton_pool_slots_used', "A pool's slots held by attempts queued for a worker or running")
  const poolWaiting = gauge('baton_pool_waiting', "Attempts waiting for a pool's slots (status queued, not yet sent to a worker)")
  const poolOldestWait = gauge('baton_pool_oldest_wait_seconds', 'How long the oldest attempt waiting for a pool has waited (0 when none waits)')
  meter.addBatchObservableCallback(
    async (result: BatchObservableResult) => {
      for (const s of await Promise.all([...sources].map(sampleOf))) {
        if (!s) continue
        for (const q of s.queues ?? []) {
          result.observe(depth, q.depth, { queue: q.queue })
          result.observe(lag, q.lag, { queue: q.queue })
          if (q.workers !== undefined) result.observe(workers, q.workers, { queue: q.queue })
        }
        for (const p of s.pools ?? []) {
          result.observe(poolSlots, p.slots, { pool: p.pool })
          result.observe(poolUsed, p.used, { pool: p.pool })
          result.observe(poolWaiting, p.waiting, { pool: p.pool })
          result.observe(poolOldestWait, p.oldestWaitSeconds, { pool: p.pool })
        }
        if (s.outboxBacklog !== undefined) result.observe(backlog, s.outboxBacklog)
        if (s.outboxOldestSeconds !== undefined) result.observe(outboxOldest, s.outboxOldestSeconds)
        if (s.timerLagSeconds !== undefined) result.observe(timerLag, s.timerLagSeconds)
        if (s.eventsWaiting !== undefined) result.observe(eventsWaiting, s.eventsWaiting)
      }
    },
    [depth, lag, workers, poolSlots, poolUsed, poolWaiting, poolOldestWait, backlog, outboxOldest, timerLag, eventsWaiting],
  )
}

/**
 * Node.js's own numbers beside Baton's: event-loop delay and utilization, heap use per space, GC
 * pauses and active handles, from OpenTelemetry's runtime instrumentation (`nodejs_eventloop_*`,
 * `v8js_*`; docs/observability.md). Its event-loop histogram samples every 20 ms, a libuv timer
 * of its own: nothing on Baton's paths. Loaded only where an endpoint is served.
 */
async function runtimeMetrics(provider: MeterProvider): Promise<{ disable(): void }> {
  const { RuntimeNodeInstrumentation } = await import('@opentelemetry/instrumentation-runtime-node')
  const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 20 })
  runtime.setMeterProvider(provider)
  return runtime
}

/** Where the endpoint serves. */
export interface MetricsEndpoint {
  /** `http://host:port/metrics`. */
  readonly url: string
}

let running: { users: number; ready: Promise<{ endpoint: MetricsEndpoint; provider: MeterProvider; server: Server; runtime: { disable(): void } }> } | undefined

/**
 * Serves `/metrics` (with `/healthz` and `/readyz`: process-endpoint.ts) on `host:port` (default
 * host 127.0.0.1) and makes the instruments record.
 * One endpoint per process: a second call (a coordinator and workers in one process) shares
 * the first one's endpoint, whatever port it names. Each call is matched by one `stopMetrics`.
 */
export async function startMetrics(options: { service: string; port: number; host?: string }): Promise<MetricsEndpoint> {
  if (running) {
    running.users++
    return (await running.ready).endpoint
  }
  const host = options.host ?? '127.0.0.1'
  const ready = (async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true })
    let server: Server
    try {
      server = await serveProcessEndpoint(exporter, host, options.port)
    } catch (e) {
      throw new UnavailableError(`cannot serve metrics on ${host}:${options.port}: ${(e as Error).message}`, { cause: e })
    }
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': options.service }), readers: [exporter] })
    const meter = provider.getMeter('baton')
    for (const i of Object.values(instruments)) i.bind(meter)
    bindGauges(meter)
    const runtime = await runtimeMetrics(provider)
    return { runtime, endpoint: { url: `http://${host.includes(':') ? `[${host}]` : host}:${options.port}/metrics` }, provider, server }
  })()
  running = { users: 1, ready }
  try {
    return (await ready).endpoint
  } catch (e) {
    running = undefined
    throw e
  }
}

/** Releases one `startMetrics`; the last one closes the endpoint and turns the instruments back into no-ops. */
export async function stopMetrics(): Promise<void> {
  if (!running || --running.users > 0) return
  const { ready } = running
  running = undefined
  const noop = createNoopMeter()
  for (const i of Object.values(instruments)) i.bind(noop)
  const { provider, server, runtime } = await ready
  runtime.disable()
  await provider.shutdown()
  await closeProcessEndpoint(server)
}

/** True while an endpoint is served (shells skip preparing numbers nobody reads). */
export function metricsEnabled(): boolean {
  return running !== undefined
}
