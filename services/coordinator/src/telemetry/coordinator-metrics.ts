import { batonMetrics, startMetrics, stopMetrics, toError, type BatonConfig, type Db, type JetStreamManager, type Logger, type MetricsEndpoint, type Subjects } from '@baton/shared'
import { coordinatorGauges } from './gauge-sampler.js'

/**
 * Serves the coordinator's `/metrics` when `config.metricsPort` is set (shared with workers in
 * the same process) and registers its gauges. Resolves to the function that undoes both; with
 * no port, to a no-op. A port that cannot be served is logged, not fatal: metrics never stop a
 * coordinator from working.
 */
export async function startCoordinatorMetrics(config: BatonConfig, db: Db, jsm: JetStreamManager, subjects: Subjects, log: Logger): Promise<() => Promise<void>> {
  if (config.metricsPort === 0) return async () => {}
  let endpoint: MetricsEndpoint
  try {
    endpoint = await startMetrics({ service: 'baton-coordinator', port: config.metricsPort, host: config.metricsHost })
  } catch (e) {
    log.error({ err: toError(e) }, 'metrics are not served (set BATON_METRICS_PORT to a free port, or 0 for none)')
    return async () => {}
  }
  const unobserve = batonMetrics().observeGauges(coordinatorGauges(db, jsm, subjects))
  log.info({ url: endpoint.url }, 'serving metrics')
  let stopped = false
  return async () => {
    if (stopped) return
    stopped = true
    unobserve()
    await stopMetrics()
  }
}
