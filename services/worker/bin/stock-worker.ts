#!/usr/bin/env -S node --import tsx
/**
 * The stock worker process: `stock-worker.ts [--concurrency N] <queue>...`. Connection and
 * namespace come from the BATON_* environment. SIGTERM (Kubernetes) or SIGINT stops it
 * gracefully: running attempts get the shutdown grace period, then report `worker_shutdown`.
 */
import { parseArgs } from 'node:util'
import { createLogger, loadConfig, toError } from '@baton/shared'
import { startStockWorker } from '../src/index.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string', short: 'c' }, 'shutdown-grace-ms': { type: 'string' } },
})
const config = loadConfig()
const logger = createLogger({ level: config.logLevel, name: 'baton-stock-worker' })
if (positionals.length === 0) {
  process.stderr.write('usage: stock-worker.ts [--concurrency N] [--shutdown-grace-ms MS] <queue>...\n')
  process.exit(2)
}

try {
  const stock = await startStockWorker({
    queues: positionals,
    config,
    logger,
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    ...(values['shutdown-grace-ms'] ? { shutdownGraceMs: Number(values['shutdown-grace-ms']) } : {}),
  })
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping the stock worker')
    void stock.stop().then(() => {
      process.exitCode = 0
    })
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
} catch (e) {
  logger.fatal({ err: toError(e) }, 'cannot start the stock worker')
  process.exitCode = 1
}
