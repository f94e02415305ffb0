import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Command } from 'commander'
import { compileWorkflow, createLogger, initTracing, loadConfig, loadWorkflows, shutdownTracing, startMetrics, stopMetrics, toError, ValidationError } from '@baton/shared'
import { deployWorkflow, listWorkflows, startCoordinator } from '@baton/coordinator'
import type { TaskHandler } from '@baton/worker'
import { CliClient } from '../client.js'
import { intOption } from '../options.js'

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

/** Loads TypeScript handlers from a module exporting `handlers` (or a default object). */
async function loadHandlers(path: string | undefined): Promise<Record<string, TaskHandler>> {
  if (!path) return {}
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { handlers?: Record<string, TaskHandler>; default?: Record<string, TaskHandler> }
  const handlers = mod.handlers ?? mod.default
  if (!handlers || typeof handlers !== 'object') throw new ValidationError([{ path: '--handlers', reason: `${path} exports no 'handlers' object` }])
  return handlers
}

/** `coordinator`, `worker` and `dev`. */
export function registerServiceCommands(program: Command): void {
  program
    .command('coordinator')
    .description('run a coordinator (any number may run on one namespace)')
    .action(async () => {
      const config = loadConfig(process.env, {}, { metricsPort: COORDINATOR_METRICS_PORT })
      initTracing('baton-coordinator', config, { logger: createLogger({ level: config.logLevel }) })
      const coordinator = await startCoordinator({ config })
      const signal = await untilSignal()
      process.stderr.write(`${signal}: stopping coordinator\n`)
      await coordinator.stop()
      await shutdownTracing()
    })

  program
    .command('worker')
    .description('run the stock worker (sh and http runners, plus optional TypeScript handlers) for queues')
    .requiredOption('--queue <queue...>', 'queue(s) to take tasks from')
    .option('--concurrency <n>', 'attempts run at once per queue', intOption('--concurrency', 1), 4)
    .option('--handlers <module>', 'a module exporting `handlers` for TypeScript tasks')
    .action(async (opts: { queue: string[]; concurrency: number; handlers?: string }) => {
      const config = loadConfig(process.env, {}, { metricsPort: WORKER_METRICS_PORT })
      initTracing('baton-worker', config, { logger: createLogger({ level: config.logLevel }) })
      const handlers = await loadHandlers(opts.handlers)
      const { startWorker } = await import('@baton/worker')
      const workers = await Promise.all(opts.queue.map((queue) => startWorker({ queue, handlers, concurrency: opts.concurrency, runners: true, config })))
      const signal = await untilSignal()
      process.stderr.write(`${signal}: stopping workers (finishing running tasks)\n`)
      await Promise.all(workers.map((w) => w.stop()))
      await shutdownTracing()
    })

  program
    .command('dev')
    .description('local development: deploy PATHs, then run a coordinator and a stock worker for every queue in one process')
    .argument('[paths...]', 'workflow files or folders to deploy first')
    .option('--handlers <module>', 'a module exporting `handlers` for TypeScript tasks')
    .option('--concurrency <n>', 'attempts run at once per queue', intOption('--concurrency', 1), 8)
    .action(async (paths: string[], opts: { handlers?: string; concurrency: number }) => {
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
      const client = new CliClient(config)
      const db = await client.db()
      for (const wf of await loadWorkflows(paths)) {
        const r = await deployWorkflow(db, wf)
        process.stderr.write(`${r.changed ? 'deployed' : 'unchanged'} ${wf.name}\n`)
      }
      const queues = new Set<string>()
      for (const w of await listWorkflows(db)) for (const q of compileWorkflow(w.definition).queues) queues.add(q)
      await client.close()
      if (queues.size === 0) queues.add('default')
      const coordinator = await startCoordinator({ config, logger: log })
      const handlers = await loadHandlers(opts.handlers)
      const { startWorker } = await import('@baton/worker')
      const workers = await Promise.all([...queues].map((queue) => startWorker({ queue, handlers, concurrency: opts.concurrency, runners: true, config, logger: log })))
      process.stderr.write(`baton dev: coordinator and workers for queues ${[...queues].join(', ')} (namespace ${config.namespace})${metrics ? `, metrics at ${metrics.url}` : ''}; Ctrl-C to stop\n`)
      const signal = await untilSignal()
      process.stderr.write(`${signal}: stopping\n`)
      await Promise.all(workers.map((w) => w.stop()))
      await coordinator.stop()
      if (metrics) await stopMetrics()
      await shutdownTracing()
    })
}
