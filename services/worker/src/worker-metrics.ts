import { batonMetrics, startMetrics, stopMetrics, toError, type BatonConfig, type Logger, type MetricsEndpoint, type WorkerAttemptOutcome } from '@baton/shared'

/**
 * The worker's metrics, recorded through Baton's metrics layer (`batonMetrics()`, no-ops until
 * the process serves `/metrics`). Kept in one module so the runtime calls functions, not meters.
 */

/** Counts one terminated (poison) command message. */
export function countInvalidCommand(queue: string): void {
  batonMetrics().workerInvalidCommands.add({ queue })
}

/** Counts one finished attempt by outcome (`not_started`: its `started` could not be published). */
export function countAttempt(queue: string, outcome: WorkerAttemptOutcome, kind?: string): void {
  batonMetrics().workerAttempts.add(kind ? { queue, outcome, kind } : { queue, outcome })
}

/** The metrics of one running attempt. */
export interface AttemptMeter {
  /** Records how the attempt ended and how long its handler ran (once). */
  finish(outcome: WorkerAttemptOutcome, kind?: string): void
  /** The attempt no longer runs here (idempotent; call it on every path). */
  close(): void
}

/** Starts metering an attempt whose command was acknowledged: it counts as in flight until `close`. */
export function meterAttempt(queue: string, workflow: string): AttemptMeter {
  const m = batonMetrics()
  const started = performance.now()
  let finished = false
  let closed = false
  m.workerInFlight.add({ queue }, 1)
  return {
    finish(outcome, kind) {
      if (finished) return
      finished = true
      countAttempt(queue, outcome, kind)
      m.workerAttemptDuration.record({ queue, workflow, outcome }, (performance.now() - started) / 1000)
    },
    close() {
      if (closed) return
      closed = true
      m.workerInFlight.add({ queue }, -1)
    },
  }
}

/**
 * Serves `/metrics` when `config.metricsPort` is set (shared with a coordinator or other
 * workers in the same process). Resolves to the function that releases it; with no port, to a
 * no-op. A port that cannot be served is logged, not fatal.
 */
export async function startWorkerMetrics(config: BatonConfig, log: Logger): Promise<() => Promise<void>> {
  if (config.metricsPort === 0) return async () => {}
  let endpoint: MetricsEndpoint
  try {
    endpoint = await startMetrics({ service: 'baton-worker', port: config.metricsPort, host: config.metricsHost })
  } catch (e) {
    log.error({ err: toError(e) }, 'metrics are not served (set BATON_METRICS_PORT to a free port, or 0 for none)')
    return async () => {}
  }
  log.info({ url: endpoint.url }, 'serving metrics')
  let stopped = false
  return async () => {
    if (stopped) return
    stopped = true
    await stopMetrics()
  }
}
