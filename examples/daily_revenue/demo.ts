import { compileWorkflow, createLogger, ensureDatabase, loadConfig, migrateToLatest, createDb, newId, publishJson, connectNats, jetstreamClient, ensureStreams, subjectsFor, type RunRequested } from '@baton/shared'
import { deployWorkflow, startCoordinator } from '@baton/coordinator'
import { startWorker } from '@baton/worker'
import { formatRun, watchRun } from '@baton/cli'
import { dailyRevenue } from './workflow.js'
import { handlers } from './handlers.js'

// `make demo`: deploys daily_revenue, runs a coordinator and workers in this process, triggers
// today's partition, prints each task's progress and a final table.
const config = loadConfig(process.env, { logLevel: (process.env.BATON_LOG_LEVEL as 'error') ?? 'error' })
const log = createLogger({ level: config.logLevel })
await ensureDatabase(config.databaseUrl)
await migrateToLatest(config.databaseUrl, config.namespace)
const db = createDb(config.databaseUrl, config.namespace)
const wf = compileWorkflow(dailyRevenue)
await deployWorkflow(db, wf)

const coordinator = await startCoordinator({ config, logger: log })
const workers = await Promise.all(wf.queues.map((queue) => startWorker({ queue, handlers, runners: true, concurrency: 4, config, logger: log })))

const nc = await connectNats(config.natsUrl, 'baton-demo')
const subjects = subjectsFor(config.namespace)
await ensureStreams(nc, subjects)
const partition = new Date().toISOString().slice(0, 10)
const request: RunRequested = { id: newId(), workflow: wf.name, partition, params: { date: partition }, idempotencyKey: `demo-${newId()}`, trigger: 'manual' }
await publishJson(jetstreamClient(nc), subjects.runRequested, request.id, request)

let runId: string | undefined
while (!runId) {
  runId = (await db.selectFrom('runs').select('id').where('idempotency_key', '=', request.idempotencyKey!).executeTakeFirst())?.id
  if (!runId) await new Promise((r) => setTimeout(r, 20))
}
const t0 = Date.now()
process.stdout.write(`\nrun ${runId}: ${wf.name} for partition ${partition} (namespace ${config.namespace})\n\n`)
const run = await watchRun(db, runId, (t) => {
  const err = (t.error as { message?: string } | null)?.message
  process.stdout.write(`  +${String(Date.now() - t0).padStart(5)}ms  ${t.id.padEnd(18)} ${t.status}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}${err && t.status !== 'succeeded' ? ` — ${err}` : ''}\n`)
}, { intervalMs: 25 })
process.stdout.write(`\n${formatRun(run)}`)

await Promise.all(workers.map((w) => w.stop()))
await coordinator.stop()
await nc.drain()
await db.destroy()
process.exit(run.status === 'succeeded' ? 0 : 1)
