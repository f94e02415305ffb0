import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  compileWorkflow,
  connectNats,
  createDb,
  createLogger,
  deployWorkflow,
  ensureDatabase,
  ensureStreams,
  jetstreamClient,
  loadConfig,
  migrateToLatest,
  newId,
  publishJson,
  subjectsFor,
  type Db,
  type RunDetails,
  type RunRequested,
} from '@baton/shared'
import { startCoordinator } from '@baton/coordinator'
import { startWorker } from '@baton/worker'
import { formatRun, watchRun } from '@baton/cli'
import { dailyRevenue } from './workflow.js'
import { handlers } from './handlers.js'

// `make demo`: deploys daily_revenue and runs a coordinator and its workers in this process, with
// the owner's alerts routed to a webhook served here. Two runs of today's partition: one that
// succeeds (after a retry), then one whose quality check finds bad rows — its downstream is held
// back and the owner is alerted; the alert payload the webhook received is printed.

const out = (s: string): boolean => process.stdout.write(s)

/** A local webhook standing in for the owner's alert channel: it keeps what it receives. */
async function startAlertReceiver(): Promise<{ url: string; received: Record<string, unknown>[]; close(): Promise<void> }> {
  const received: Record<string, unknown>[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      try {
        received.push(JSON.parse(body) as Record<string, unknown>)
      } catch {
        // Not JSON: not ours.
      }
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/revenue-team`, received, close: () => new Promise((r) => server.close(() => r())) }
}

/** Publishes a run request and waits for the coordinator to create the run; returns its id. */
async function requestRun(db: Db, publish: (r: RunRequested) => Promise<unknown>, request: RunRequested): Promise<string> {
  await publish(request)
  for (;;) {
    const row = await db.selectFrom('runs').select('id').where('workflow', '=', request.workflow).where('idempotency_key', '=', request.idempotencyKey!).executeTakeFirst()
    if (row) return row.id
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Prints each task's progress as it changes, then the run's table. */
async function follow(db: Db, runId: string, title: string): Promise<RunDetails> {
  const t0 = Date.now()
  out(`\n${title}\nrun ${runId}\n\n`)
  const run = await watchRun(
    db,
    runId,
    (t) => {
      const err = (t.error as { message?: string } | null)?.message
      out(`  +${String(Date.now() - t0).padStart(5)}ms  ${t.id.padEnd(18)} ${t.status}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}${err && t.status !== 'succeeded' ? ` — ${err}` : ''}\n`)
    },
    { intervalMs: 25 },
  )
  out(`\n${formatRun(run)}`)
  return run
}

const config = loadConfig(process.env, { logLevel: (process.env.BATON_LOG_LEVEL as 'error') ?? 'error' })
const receiver = await startAlertReceiver()
const routesDir = mkdtempSync(join(tmpdir(), 'baton-demo-'))
const routesPath = join(routesDir, 'alert-routes.yaml')
writeFileSync(routesPath, `channels:\n  revenue-webhook: { type: webhook, url: "${receiver.url}" }\nowners:\n  revenue-team: [revenue-webhook]\n`)

const log = createLogger({ level: config.logLevel })
await ensureDatabase(config.databaseUrl)
await migrateToLatest(config.databaseUrl, config.namespace)
const db = createDb(config.databaseUrl, config.namespace)
const wf = compileWorkflow(dailyRevenue)
await deployWorkflow(db, wf)

const coordinator = await startCoordinator({ config: { ...config, alertRoutesPath: routesPath }, logger: log, alertIntervalMs: 100 })
const workers = await Promise.all(wf.queues.map((queue) => startWorker({ queue, handlers, runners: true, concurrency: 4, config, logger: log })))
const nc = await connectNats(config.natsUrl, 'baton-demo')
const subjects = subjectsFor(config.namespace)
await ensureStreams(nc, subjects)
const js = jetstreamClient(nc)
const publish = (r: RunRequested) => publishJson(js, subjects.runRequested, r.id, r)
const partition = new Date().toISOString().slice(0, 10)
const request = (params: Record<string, unknown>): RunRequested => ({ id: newId(), workflow: wf.name, partition, params, idempotencyKey: `demo-${newId()}`, trigger: 'manual' })

out(`daily_revenue for partition ${partition} (namespace ${config.namespace})\n`)
const good = await follow(db, await requestRun(db, publish, request({ date: partition })), '1. A run that succeeds: extract_orders fails once and is retried after a backoff; notify_failure is skipped.')
const bad = await follow(
  db,
  await requestRun(db, publish, request({ date: partition, simulate: 'bad_rows' })),
  '2. A run whose quality check fails: check_facts finds bad rows, refresh_dashboard is held back (upstream_failed), notify_failure runs.',
)
const check = bad.tasks.find((t) => t.id === 'check_facts')?.check
if (check && !check.passed) out(`\ncheck_facts failed: ${String(check.details)}\nsample of bad rows: ${JSON.stringify(check.sample)}\n`)

// The owner's alert: the webhook receives it once the coordinator's delivery job has sent it.
const deadline = Date.now() + 15_000
let alert: Record<string, unknown> | undefined
while (!alert && Date.now() < deadline) {
  alert = receiver.received.find((a) => a.runId === bad.id && a.action === 'firing')
  if (!alert) await new Promise((r) => setTimeout(r, 50))
}
out(alert ? `\nThe alert revenue-team's webhook received (BATON_ALERT_ROUTES routes owners to Slack, PagerDuty or webhooks):\n${JSON.stringify(alert, null, 2)}\n` : '\n(no alert was delivered within 15 s: see `baton alerts`)\n')

const env = config.namespace === 'baton' ? '' : `BATON_NAMESPACE=${config.namespace} `
const next: [string, string][] = [
  [`${env}npx baton run ${bad.id}`, 'each attempt with its backoff and queue wait, and the bad rows'],
  [`${env}npx baton alerts --workflow daily_revenue`, 'who was alerted, on which channel, delivered or not'],
  [`${env}npx baton logs ${good.id} extract_orders`, "the flaky extract's log lines, attempt by attempt"],
]
const width = Math.max(...next.map(([c]) => c.length))
out(`\nTry next:\n${next.map(([c, why]) => `  ${c.padEnd(width)}  # ${why}`).join('\n')}\n`)

await Promise.all(workers.map((w) => w.stop()))
await coordinator.stop()
await nc.drain()
await db.destroy()
await receiver.close()
rmSync(routesDir, { recursive: true, force: true })
process.exit(good.status === 'succeeded' && bad.status === 'failed' && check?.passed === false ? 0 : 1)
