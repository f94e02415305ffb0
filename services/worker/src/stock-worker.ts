import { connectNats, createLogger, loadConfig, type BatonConfig, type Logger, type NatsConnection } from '@baton/shared'
import { randomBytes } from 'node:crypto'
import { startWorker, type Worker } from './start-worker.js'

/** Options of `startStockWorker`. */
export interface StockWorkerOptions {
  /** Queues to serve, one worker each. */
  queues: readonly string[]
  /** Attempts at once, per queue. Default 4. */
  concurrency?: number
  /** Default: `loadConfig()`. */
  config?: BatonConfig
  /** Share this connection; otherwise one is opened for all queues and drained on stop. */
  nc?: NatsConnection
  /** Root logger. */
  logger?: Logger
  /** Per worker, see WorkerOptions.shutdownGraceMs. */
  shutdownGraceMs?: number
}

/** The stock worker: one runner-enabled worker per queue. */
export interface StockWorker {
  readonly workers: readonly Worker[]
  /** Stops every worker (in parallel), then closes the connection it opened. */
  stop(): Promise<void>
}

/**
 * Starts the stock worker, which runs JSON/YAML-defined tasks (`run: { sh }` or `run: { http }`)
 * without any TypeScript: `startWorker({ runners: true })` for each queue, over one connection.
 */
export async function startStockWorker(options: StockWorkerOptions): Promise<StockWorker> {
  const config = options.config ?? loadConfig()
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'baton-stock-worker' })
  const ownsConnection = options.nc === undefined
  const nc = options.nc ?? (await connectNats(config.natsUrl, `baton-stock-worker-${randomBytes(3).toString('hex')}`))
  const workers: Worker[] = []
  const stopAll = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.stop()))
    if (ownsConnection) await nc.drain().catch(() => {})
  }
  try {
    for (const queue of options.queues) {
      workers.push(
        await startWorker({
          queue,
          handlers: {},
          runners: true,
          config,
          nc,
          logger,
          ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
          ...(options.shutdownGraceMs !== undefined ? { shutdownGraceMs: options.shutdownGraceMs } : {}),
        }),
      )
    }
  } catch (e) {
    await stopAll()
    throw e
  }
  let stopping: Promise<void> | undefined
  return {
    workers,
    stop: () => (stopping ??= stopAll()),
  }
}
