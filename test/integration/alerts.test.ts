import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createLogger, NonRetryableError } from '@baton/shared'
import { startWorker } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { scrapeMetrics } from '../support/metrics-scrape.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, statuses, trigger, waitForRun } from '../support/runs.js'

// Owner-routed alerts delivered to a real HTTP receiver: one per cause, folded repeats, a
// single "resolved", durable delivery while the receiver is down, SLA, quality checks and
// queues nobody polls.

interface Received {
  path: string
  body: Record<string, any>
}

let ns: TestNamespace
let coordinator: Coordinator
let server: Server
let received: Received[] = []
let failNext = 0
let dir: string
/** The coordinator's metrics endpoint. */
let metricsUrl: string
let worker: Awaited<ReturnType<typeof startScriptedWorker>>

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      if (failNext > 0 && req.url === '/down') {
        failNext--
        res.writeHead(503).end()
        return
      }
      received.push({ path: req.url ?? '', body: JSON.parse(body) })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  dir = mkdtempSync(join(tmpdir(), 'baton-alerts-'))
  const routes = join(dir, 'alerts.yaml')
  writeFileSync(
    routes,
    [
      'channels:',
      `  revenue-hook: { type: webhook, url: "${base}/revenue" }`,
      `  revenue-slack: { type: slack, url: "${base}/slack" }`,
      `  revenue-pd: { type: pagerduty, routingKey: "rk-1", url: "${base}/pd" }`,
      `  ops-hook: { type: webhook, url: "${base}/ops" }`,
      `  down-hook: { type: webhook, url: "${base}/down" }`,
      'owners:',
      '  revenue-team: [revenue-hook, revenue-slack, revenue-pd]',
      '  downtime-team: [down-hook]',
      '  default: [ops-hook]',
    ].join('\n'),
  )
  ns = await createTestNamespace('alerts')
  const metricsPort = await freePort()
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
  coordinator = await startCoordinator({
    config: { ...ns.config, alertRoutesPath: routes, runUrl: 'https://baton.example/runs/{runId}', queueUnattendedAfterMs: 1000, metricsPort },
    timerIntervalMs: 50,
    alertIntervalMs: 100,
    queueWatchIntervalMs: 200,
  })
  worker = await startScriptedWorker(ns, 'al', (cmd) => {
    if (cmd.taskId.startsWith('boom')) return { fail: { message: `${cmd.taskId} exploded`, retryable: true } }
    if (cmd.taskId === 'check_rows') return { succeed: { passed: false, details: '2 rows with negative revenue', sample: [{ id: 7, revenue: -3 }] } }
    if (cmd.taskId === 'slow') return { hang: true }
    if (cmd.taskId.startsWith('flip')) return (cmd.params as { fail?: boolean }).fail ? { fail: { message: 'flip failed', retryable: false } } : { succeed: 1 }
    return { succeed: { ok: true } }
  })
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  const closed = new Promise((r) => server.close(r))
  server.closeAllConnections()
  await closed
  rmSync(dir, { recursive: true, force: true })
  await assertNoLeaks()
})

const on = (path: string, pred: (b: Record<string, any>) => boolean = () => true) => received.filter((r) => r.path === path && pred(r.body))

/**
 * Waits until the alerts of a run (or of a workflow) have every delivery recorded as delivered,
 * and returns those deliveries as `channel action (attempts)`. A delivery is recorded only after
 * the receiver answered it, and a delivered one is never sent again: from then on the receiver
 * has had every request these alerts make. (Alerts are written with the transition that raises
 * them, so once the run is finished they all exist.)
 */
async function allDelivered(of: { runId: string } | { workflow: string }): Promise<string[]> {
  return eventually(async () => {
    let q = ns.db.selectFrom('alert_deliveries as d').innerJoin('alerts as a', 'a.id', 'd.alert_id').select(['d.channel', 'd.action', 'd.attempts', 'd.delivered_at'])
    q = 'runId' in of ? q.where('a.run_id', '=', of.runId) : q.where('a.workflow', '=', of.workflow)
    const rows = await q.orderBy('d.id').execute()
    return rows.length > 0 && rows.every((r) => r.delivered_at !== null) ? rows.map((r) => `${r.channel} ${r.action} (${r.attempts})`) : undefined
  }, `every delivery of the alerts of ${JSON.stringify(of)} to be recorded`, 30_000)
}

describe('failures reach their owner once per cause', () => {
  test('retries exhausted: one alert per channel of the owner with what failed, where, the error and links; the run failing folds into it', async () => {
    await deploy(ns, {
      name: 'revenue',
      owner: 'revenue-team',
      tasks: { boom_a: { queue: 'al', retry: { attempts: 2, backoff: '50ms', jitter: false } }, boom_b: { queue: 'al' }, after: { after: ['boom_a'], queue: 'al' } },
    })
    const runId = await trigger(ns, 'revenue', { partition: '2026-05-01' })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'failed')
    // One alert, to each channel of the owner and no other, each sent once.
    assert.deepEqual((await allDelivered({ workflow: 'revenue' })).sort(), ['revenue-hook trigger (1)', 'revenue-pd trigger (1)', 'revenue-slack trigger (1)'])
    assert.equal((await ns.db.selectFrom('alerts').select('id').where('workflow', '=', 'revenue').execute()).length, 1, 'one alert for the run, not one per failed task')
    assert.deepEqual([on('/revenue').length, on('/slack').length, on('/pd').length], [1, 1, 1], 'one alert for the run, not one per failed task')
    assert.equal(on('/ops').length, 0, 'routed to the owner only')
    const a = on('/revenue')[0]!.body
    assert.equal(a.action, 'firing')
    assert.equal(a.owner, 'revenue-team')
    assert.equal(a.workflow, 'revenue')
    assert.equal(a.partition, '2026-05-01')
    assert.equal(a.runId, runId)
    assert.match(a.summary, /task boom_[ab] failed/)
    assert.match(JSON.stringify(a.details.error), /exploded/)
    assert.equal(a.links.run, `https://baton.example/runs/${runId}`)
    assert.match(on('/slack')[0]!.body.text, /task failed/)
    const pd = on('/pd')[0]!.body
    assert.equal(pd.event_action, 'trigger')
    assert.equal(pd.routing_key, 'rk-1')
    assert.equal(pd.dedup_key, 'failure:revenue:2026-05-01')
  })

  test('the same partition failing again within the window folds into the alert with a count; a later success sends one resolved', async () => {
    await deploy(ns, { name: 'flaky_feed', owner: 'revenue-team', params: { type: 'object', properties: { fail: { type: 'boolean' } } }, tasks: { flip: { queue: 'al' } } })
    const before = on('/revenue').length
    await waitForRun(ns, await trigger(ns, 'flaky_feed', { partition: '2026-05-02', params: { fail: true } }))
    await waitForRun(ns, await trigger(ns, 'flaky_feed', { partition: '2026-05-02', params: { fail: true } }))
    await eventually(() => on('/revenue').length === before + 1, 'first alert')
    const alert = await eventually(async () => {
      const a = await ns.db.selectFrom('alerts').select(['count', 'status']).where('workflow', '=', 'flaky_feed').executeTakeFirst()
      return a?.count === 2 ? a : undefined
    }, 'folded repeat')
    assert.equal(alert.status, 'firing')
    const ok = await waitForRun(ns, await trigger(ns, 'flaky_feed', { partition: '2026-05-02', params: { fail: false } }))
    assert.equal(ok.status, 'succeeded')
    await eventually(() => on('/revenue', (b) => b.action === 'resolved' && b.workflow === 'flaky_feed').length === 1, 'resolved')
    await eventually(() => on('/pd', (b) => b.event_action === 'resolve' && b.dedup_key === 'failure:flaky_feed:2026-05-02').length === 1, 'pagerduty resolve')
    assert.deepEqual((await allDelivered({ workflow: 'flaky_feed' })).sort(), [
      'revenue-hook resolve (1)',
      'revenue-hook trigger (1)',
      'revenue-pd resolve (1)',
      'revenue-pd trigger (1)',
      'revenue-slack resolve (1)',
      'revenue-slack trigger (1)',
    ])
    assert.equal(on('/revenue', (b) => b.workflow === 'flaky_feed').length, 2, 'one firing, one resolved: nothing else')
  })

  test('a receiver that is down for a while still gets exactly one alert, and the sends are counted by outcome', async () => {
    await deploy(ns, { name: 'downtime', owner: 'downtime-team', tasks: { boom_x: { queue: 'al' } } })
    const sends = async (outcome: string) => (await scrapeMetrics(metricsUrl)).get('baton_alert_deliveries_total', { channel: 'down-hook', outcome })
    assert.deepEqual([await sends('failed'), await sends('delivered')], [0, 0], 'down-hook is used by this test alone')
    failNext = 3
    const runId = await trigger(ns, 'downtime')
    await waitForRun(ns, runId)
    await eventually(() => on('/down', (b) => b.runId === runId).length === 1, 'delivered after the receiver came back', 30_000)
    // The receiver answers before the delivery job commits: wait for the row to say delivered.
    const d = await eventually(
      async () =>
        (await ns.db
          .selectFrom('alert_deliveries as d')
          .innerJoin('alerts as a', 'a.id', 'd.alert_id')
          .select(['d.attempts', 'd.delivered_at'])
          .where('d.channel', '=', 'down-hook')
          .where('a.run_id', '=', runId)
          .where('d.action', '=', 'trigger')
          .where('d.delivered_at', 'is not', null)
          .executeTakeFirst()) ?? undefined,
      'delivery recorded',
    )
    // The receiver refused the first three sends (503), accepted the fourth.
    assert.equal(d.attempts, 4, `refused three times, then delivered (${d.attempts} attempts)`)
    assert.deepEqual(await allDelivered({ runId }), ['down-hook trigger (4)'])
    assert.equal(on('/down', (b) => b.runId === runId).length, 1)
    // What an operator's alert rule sees: three refused sends and one accepted.
    assert.deepEqual([await sends('failed'), await sends('delivered')], [3, 1])
  })
})

describe('other causes', () => {
  test('a failed quality check blocks its downstream, lets independent branches finish, and alerts with the sample', async () => {
    await deploy(ns, { name: 'quality_alert', owner: 'revenue-team', tasks: { build: { queue: 'al' }, check_rows: { after: ['build'], kind: 'check', queue: 'al' }, publish: { after: ['check_rows'], queue: 'al' }, side: { after: ['build'], queue: 'al' } } })
    const runId = await trigger(ns, 'quality_alert')
    const run = await waitForRun(ns, runId)
    assert.deepEqual(statuses(run), { build: 'succeeded', check_rows: 'failed', publish: 'upstream_failed', side: 'succeeded' })
    const a = await eventually(() => on('/revenue', (b) => b.runId === runId)[0], 'check alert')
    assert.equal(a.body.kind, 'check_failed')
    assert.deepEqual(a.body.details.sample, [{ id: 7, revenue: -3 }])
    assert.equal(a.body.details.check, '2 rows with negative revenue')
  })

  test('an SLA deadline passing before the run finished raises sla_missed', async () => {
    await deploy(ns, { name: 'sla_wf', owner: 'revenue-team', sla: { finishBy: '1s' }, tasks: { slow: { queue: 'al', timeout: { heartbeat: '60s' } } } })
    const runId = await trigger(ns, 'sla_wf')
    const a = await eventually(() => on('/revenue', (b) => b.kind === 'sla_missed' && b.runId === runId)[0], 'sla alert', 20_000)
    assert.match(a.body.summary, /SLA missed/)
  })

  test('a queue with work waiting and no worker polling it raises queue_unattended for the owner', async () => {
    await deploy(ns, { name: 'orphaned', owner: 'revenue-team', tasks: { t: { queue: 'nobody_polls' } } })
    await trigger(ns, 'orphaned')
    const a = await eventually(() => on('/revenue', (b) => b.kind === 'queue_unattended')[0], 'queue alert', 20_000)
    assert.match(a.body.summary, /queue 'nobody_polls': 1 task\(s\) waiting/)
    assert.equal(a.body.details.queue, 'nobody_polls')
  })
})

describe('alert content', () => {
  test("a TypeScript task's last log lines come with its alert", async () => {
    const real = await startWorker({
      queue: 'al_real',
      config: ns.config,
      logger: createLogger({ level: 'silent' }),
      handlers: {
        async loader(ctx) {
          ctx.log.info('connecting to the warehouse')
          ctx.log.error('COPY failed: disk full on /data')
          throw new NonRetryableError('load failed')
        },
      },
    })
    try {
      await deploy(ns, { name: 'logged', owner: 'revenue-team', tasks: { loader: { queue: 'al_real' } } })
      const runId = await trigger(ns, 'logged')
      await waitForRun(ns, runId)
      const a = await eventually(() => on('/revenue', (b) => b.runId === runId)[0], 'alert')
      assert.ok((a.body.details.lastLines as string[]).some((l) => /disk full/.test(l)), JSON.stringify(a.body.details.lastLines))
    } finally {
      await real.stop()
    }
  })
})
