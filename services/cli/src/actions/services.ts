import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { compileWorkflow, createLogger, deployWorkflow, initTracing, listWorkflows, loadConfig, loadWorkflows, shutdownTracing, startMetrics, stopMetrics, toError, ValidationError, type Logger } from '@baton/shared'
import { startCoordinator } from '@baton/coordinator'
import { startWorker, type TaskHandler } from '@baton/worker'
import { loadApiConfig, startApi, type ApiConfig, type RunningApi } from '@baton/api'
import { CliClient } from '../client.js'
import { cliActor } from '../cli-actor.js'
import { importUserModule } from '../user-modules.js'

/** Metrics ports of the service commands when `BATON_METRICS_PORT` is unset (Prometheus' usual 9464, then the next). */
const COORDINATOR_METRICS_PORT = 9464
const WORKER_METRICS_PORT = 9465

/**
 * Listens for the process being asked to stop (SIGTERM or SIGINT) from before start-up: `signal`
 * aborts start-up retries (Postgres or NATS not reachable yet), `received` resolves with the
 * signal's name.
 */
function stopRequest(): { signal: AbortSignal; received: Promise<string> } {
  const controller = new AbortController()
  const received = new Promise<string>((r) => {
    const on = (name: string) => () => {
      controller.abort(new Error(`${name} received`))
      r(name)
    }
    process.once('SIGTERM', on('SIGTERM'))
    process.once('SIGINT', on('SIGINT'))
  })
  return { signal: controller.signal, received }
}

/**
 * Asked to stop before the service had started: nothing is open but an attempt to connect that
 * has not timed out yet, which is not worth waiting for. Exit 0, as for a stop after start-up.
 */
async function stoppedDuringStartup(stop: { received: Promise<string> }, what: string): Promise<never> {
  process.stderr.write(`${await stop.received}: stopping ${what} (it had not started: Postgres or NATS was not reachable yet)\n`)
  await shutdownTracing()
  process.exit(0)
}

/** When `baton dev` gives up reaching Postgres or NATS: a developer's command fails fast, like the CLI's others. */
const DEV_STARTUP_TIMEOUT_MS = 0

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
  const stop = stopRequest()
  const coordinator = await startCoordinator({ config, signal: stop.signal }).catch((e: unknown) => {
    if (stop.signal.aborted) return stoppedDuringStartup(stop, 'coordinator')
    throw e
  })
  const signal = await stop.received
  process.stderr.write(`${signal}: stopping coordinator\n`)
  await coordinator.stop()
  await shutdownTracing()
}

/** `baton worker --queue Q…`. */
export async function worker(opts: { queue: string[]; concurrency: number; handlers?: string }): Promise<void> {
  const config = loadConfig(process.env, {}, { metricsPort: WORKER_METRICS_PORT })
  initTracing('baton-worker', config, { logger: createLogger({ level: config.logLevel }) })
  const handlers = await loadHandlers(opts.handlers)
  const stop = stopRequest()
  // One queue's worker failing to start (bad options) stops the others' start-up retries too.
  const failed = new AbortController()
  const signal = AbortSignal.any([stop.signal, failed.signal])
  const started = await Promise.allSettled(
    opts.queue.map((queue) =>
      startWorker({ queue, handlers, concurrency: opts.concurrency, runners: true, config, signal }).catch((e: unknown) => {
        failed.abort(e)
        throw e
      }),
    ),
  )
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  if (workers.length < started.length) {
    await Promise.all(workers.map((w) => w.stop()))
    if (stop.signal.aborted) return stoppedDuringStartup(stop, 'workers')
    throw failed.signal.reason
  }
  const received = await stop.received
  process.stderr.write(`${received}: stopping workers (finishing running tasks)\n`)
  await Promise.all(workers.map((w) => w.stop()))
  await shutdownTracing()
}

/**
 * The API reference page's assets and the built web UI beside the bundled command
 * (scripts/build-cli.mjs copies them there: the bundle inlines @fastify/swagger-ui but not its
 * files); absent when run from source, where the API finds the installed packages'.
 */
function docsAssetsDir(): { docsAssetsDir?: string; uiDir?: string } {
  const dir = fileURLToPath(new URL('./swagger-ui/', import.meta.url))
  const ui = fileURLToPath(new URL('./ui/', import.meta.url))
  return { ...(existsSync(`${dir}logo.svg`) ? { docsAssetsDir: dir } : {}), ...(existsSync(`${ui}index.html`) ? { uiDir: ui } : {}) }
}

/** `baton api [--port N] [--host H]`. */
export async function api(opts: { port?: number; host?: string }): Promise<void> {
  const baton = loadConfig()
  const config = loadApiConfig(process.env, { baton, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}) })
  const log = createLogger({ level: baton.logLevel })
  initTracing('baton-api', baton, { logger: log })
  const stop = stopRequest()
  const running = await startApi({ config, logger: log, signal: stop.signal, ...docsAssetsDir() }).catch((e: unknown) => {
    if (stop.signal.aborted) return stoppedDuringStartup(stop, 'api')
    throw e
  })
  process.stderr.write(`baton api: listening at ${running.url} (namespace ${baton.namespace}); reference at ${running.url}/docs\n`)
  const signal = await stop.received
  process.stderr.write(`${signal}: stopping api (finishing requests in flight)\n`)
  await running.close()
  await shutdownTracing()
}

/**
 * The API of `baton dev`, on BATON_API_PORT (default 8080). A port already in use does not stop
 * the developer's pipeline: one line says so and `baton dev` runs without the API.
 */
async function startDevApi(config: ApiConfig, log: Logger): Promise<RunningApi | undefined> {
  try {
    return await startApi({ config, logger: log, startupTimeoutMs: DEV_STARTUP_TIMEOUT_MS, ...docsAssetsDir() })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e
    process.stderr.write(`baton dev: the HTTP API is not started: ${config.host}:${config.port} is in use (set BATON_API_PORT to a free port, or 0 for any)\n`)
    return undefined
  }
}

/** `baton dev [PATH…]`. */
export async function dev(paths: string[], opts: { handlers?: string; concurrency: number }): Promise<void> {
  const config = loadConfig(process.env, {}, { metricsPort: COORDINATOR_METRICS_PORT })
  // A bad BATON_API_* setting is reported before anything starts.
  const apiConfig = loadApiConfig(process.env, { baton: config })
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
    const r = await deployWorkflow(db, wf, new Date(), { by: cliActor() })
    process.stderr.write(`${r.restored ? 'restored' : r.changed ? 'deployed' : 'unchanged'} ${wf.name}\n`)
  }
  const queues = new Set<string>()
  for (const w of await listWorkflows(db)) for (const q of compileWorkflow(w.definition).queues) queues.add(q)
  await client.close()
  if (queues.size === 0) queues.add('default')
  const stop = stopRequest()
  const startup = { signal: stop.signal, startupTimeoutMs: DEV_STARTUP_TIMEOUT_MS }
  const coordinator = await startCoordinator({ config, logger: log, ...startup }).catch((e: unknown) => {
    if (stop.signal.aborted) return stoppedDuringStartup(stop, 'baton dev')
    throw e
  })
  const workers = await Promise.all([...queues].map((queue) => startWorker({ queue, handlers, concurrency: opts.concurrency, runners: true, config, logger: log, ...startup })))
  const api = await startDevApi(apiConfig, log).catch(async (e: unknown) => {
    await Promise.all(workers.map((w) => w.stop()))
    await coordinator.stop()
    throw e
  })
  process.stderr.write(
    `baton dev: coordinator and workers for queues ${[...queues].join(', ')} (namespace ${config.namespace})${api ? `, API at ${api.url}` : ''}${metrics ? `, metrics at ${metrics.url}` : ''}; Ctrl-C to stop\n`,
  )
  const signal = await stop.received
  process.stderr.write(`${signal}: stopping\n`)
  if (api) await api.close()
  await Promise.all(workers.map((w) => w.stop()))
  await coordinator.stop()
  if (metrics) await stopMetrics()
  await shutdownTracing()
}
