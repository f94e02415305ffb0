import { existsSync } from 'node:fs'
import { compileWorkflow, createLogger, deployWorkflow, initTracing, listWorkflows, loadConfig, loadWorkflows, shutdownTracing, startMetrics, stopMetrics, toError, ValidationError } from '@baton/shared'
import { startCoordinator } from '@baton/coordinator'
import { startWorker, type TaskHandler } from '@baton/worker'
import { CliClient } from '../client.js'
import { importUserModule } from '../user-modules.js'

/** Metrics ports of the service commands when `BATON_METRICS_PORT` is unset (Prometheus' usual 9464, then the next). */
const COORDINATOR_METRICS_PORT = 9464
const WORKER_METRICS_PORT = 9465

/** Resolves when the process is asked to stop (SIGTERM or SIGINT). */
function untilSignal(): Promise<string> {
  return new Promise((r) => {
    process.once('SIGTERM', () => r('SIGTERM'))
    process.once('SIGINT', () => r('SIGINT'))
  })
}

/**
 * Loads task handlers (TypeScript or JavaScript) from a module exporting `handlers` or a default
 * object of functions. A file that cannot be loaded, or exports no handlers, is one error line.
 */
async function loadHandlers(path: string | undefined): Promise<Record<string, TaskHandler>> {
  if (!path) return {}
  let mod: { handlers?: unknown; default?: unknown }
  try {
    mod = await importUserModule(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ERR_MODULE_NOT_FOUND' && !existsSync(path) ? 'no such file' : (e as Error).message.split('\n')[0]!
    throw new ValidationError([{ path: '--handlers', reason: `cannot load ${path}: ${why}` }])
  }
  const handlers = (mod.handlers ?? mod.default) as Record<string, unknown> | undefined
  if (!handlers || typeof handlers !== 'object') throw new ValidationError([{ path: '--handlers', reason: `${path} exports no 'handlers' object (export const handlers = { task_id: async (ctx) => … })` }])
  const notFunctions = Object.entries(handlers).filter(([, fn]) => typeof fn !== 'function').map(([name]) => name)
  if (notFunctions.length > 0) throw new ValidationError(notFunctions.map((name) => ({ path: `--handlers ${path}`, reason: `handlers.${name} is not a function` })))
  return handlers as Record<string, TaskHandler>
}

/** `baton coordinator`. */
export async function coordinator(): Promise<void> {
  const config = loadConfig(process.env, {}, { metricsPort: COORDINATOR_METRICS_PORT })
  initTracing('baton-coordinator', config, { logger: createLogger({ level: config.logLevel }) })
  const coordinator = await startCoordinator({ config })
  const signal = await untilSignal()
  process.stderr.write(`${signal}: stopping coordinator\n`)
  await coordinator.stop()
  await shutdownTracing()
}

/** `baton worker --queue Q…`. */
export async function worker(opts: { queue: string[]; concurrency: number; handlers?: string }): Promise<void> {
  const config = loadConfig(process.env, {}, { metricsPort: WORKER_METRICS_PORT })
  initTracing('baton-worker', config, { logger: createLogger({ level: config.logLevel }) })
  const handlers = await loadHandlers(opts.handlers)
  const workers = await Promise.all(opts.queue.map((queue) => startWorker({ queue, handlers, concurrency: opts.concurrency, runners: true, config })))
  const signal = await untilSignal()
  process.stderr.write(`${signal}: stopping workers (finishing running tasks)\n`)
  await Promise.all(workers.map((w) => w.stop()))
  await shutdownTracing()
}

/** `baton dev [PATH…]`. */
export async function dev(paths: string[], opts: { handlers?: string; concurrency: number }): Promise<void> {
  const config = loadConfig(process.env, {}, { metricsPort: COORDINATOR_METRICS_PORT })
  const log = createLogger({ level: config.logLevel })
  initTracing('baton', config, { logger: log })
  // One endpoint for the whole process: the coordinator and the workers below share it.
  const metrics =
    config.metricsPort > 0
      ? await startMetrics({ service: 'baton-dev', port: config.metricsPort, host: config.metricsHost }).catch((e: unknown) => {
          log.error({ err: toError(e) }, 'metrics are not served (set BATON_METRICS_PORT to a free port, or 0 for none)')
          return undefined
        })
      : undefined
  // Mistakes in the handlers or definitions are reported before anything starts.
  const handlers = await loadHandlers(opts.handlers)
  const definitions = await loadWorkflows(paths, { importModule: importUserModule })
  const client = new CliClient(config)
  const db = await client.db()
  for (const wf of definitions) {
    const r = await deployWorkflow(db, wf)
    process.stderr.write(`${r.restored ? 'restored' : r.changed ? 'deployed' : 'unchanged'} ${wf.name}\n`)
  }
  const queues = new Set<string>()
  for (const w of await listWorkflows(db)) for (const q of compileWorkflow(w.definition).queues) queues.add(q)
  await client.close()
  if (queues.size === 0) queues.add('default')
  const coordinator = await startCoordinator({ config, logger: log })
  const workers = await Promise.all([...queues].map((queue) => startWorker({ queue, handlers, concurrency: opts.concurrency, runners: true, config, logger: log })))
  process.stderr.write(`baton dev: coordinator and workers for queues ${[...queues].join(', ')} (namespace ${config.namespace})${metrics ? `, metrics at ${metrics.url}` : ''}; Ctrl-C to stop\n`)
  const signal = await untilSignal()
  process.stderr.write(`${signal}: stopping\n`)
  await Promise.all(workers.map((w) => w.stop()))
  await coordinator.stop()
  if (metrics) await stopMetrics()
  await shutdownTracing()
}
