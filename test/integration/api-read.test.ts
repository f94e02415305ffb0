import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { buildApiServer, loadApiConfig, ROUTE_MODULES, startApi, type RunningApi, type ZodApp } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createApiToken, createLogger, getBackfillStatus, newId, publishJson, traceIdForRun } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startBaton } from '../support/processes.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// The HTTP API's read side (docs/api.md): every read route over real HTTP against a real
// coordinator's data, access control by role and scope, the error format, bad and hostile input,
// security headers, CORS, and the OpenAPI document the routes are generated into.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
let api: RunningApi
/** A second server on the same namespace, driven with `inject`: CORS on, a test-only POST route. */
let configured: ZodApp

const tokens: Record<'admin' | 'viewer' | 'revenue' | 'finance', string> = { admin: '', viewer: '', revenue: '', finance: '' }
const ids = { revOk: '', revFailed: '', other: '', backfill: '' }
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)

/** What a request got back. */
interface Answer {
  status: number
  headers: Headers
  body: any
}

async function get(path: string, token?: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) } })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // HTML (the docs page) stays text.
  }
  return { status: res.status, headers: res.headers, body }
}

/** The `error` of an error answer, after checking the format every error has. */
function errorOf(a: Answer, status: number): { code: string; message: string; details: any } {
  assert.equal(a.status, status, JSON.stringify(a.body))
  assert.deepEqual(Object.keys(a.body), ['error'])
  assert.deepEqual(Object.keys(a.body.error).sort(), ['code', 'details', 'message'])
  assert.equal(typeof a.body.error.message, 'string')
  assert.doesNotMatch(JSON.stringify(a.body), /\bat .+\.(ts|js):\d+|SELECT |INSERT |syntax error/i, 'no stack trace or SQL')
  return a.body.error
}

async function runCount(): Promise<number> {
  return Number((await ns.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
}

before(async () => {
  ns = await createTestNamespace('api_read')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'apiq', (cmd) => {
    if (cmd.taskId === 'breaks') return { fail: { message: 'source table missing', retryable: false } }
    if (cmd.taskId === 'check_rows') return { succeed: { passed: true, details: '0 bad rows', sample: [] } }
    return { succeed: { rows: 42, task: cmd.taskId } }
  })
  await deploy(ns, {
    name: 'api_rev',
    owner: 'revenue',
    description: 'Daily revenue',
    schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris' },
    tasks: {
      extract: { queue: 'apiq' },
      load: { queue: 'apiq', after: ['extract'] },
      check_rows: { queue: 'apiq', after: ['load'], kind: 'check' },
      notify: { queue: 'apiq', after: ['check_rows'], trigger: 'one_failed' },
    },
  })
  await deploy(ns, { name: 'api_rev_fail', owner: 'revenue', tasks: { breaks: { queue: 'apiq' } } })
  await deploy(ns, { name: 'api_fin', owner: 'finance', when: { sourcesLanded: ['api_orders', 'api_fx'], partition: 'date' }, tasks: { model: { queue: 'apiq' } } })
  // A second version of api_other: the first stays listed under /versions.
  await deploy(ns, { name: 'api_other', owner: 'other', tasks: { only: { queue: 'apiq' } } })
  await deploy(ns, { name: 'api_other', owner: 'other', description: 'v2', tasks: { only: { queue: 'apiq' } } })

  ids.revOk = (await waitForRun(ns, await trigger(ns, 'api_rev', { partition: YESTERDAY }))).id
  ids.revFailed = (await waitForRun(ns, await trigger(ns, 'api_rev_fail', { partition: YESTERDAY }))).id
  ids.other = (await waitForRun(ns, await trigger(ns, 'api_other', { partition: '2026-01-01' }))).id
  for (const day of ['2026-01-02', '2026-01-03', '2026-01-04']) await waitForRun(ns, await trigger(ns, 'api_other', { partition: day }))
  // A landing (half of api_fin's gate), a backfill, a dead letter and a task's logs.
  const landing = newId()
  await publishJson(ns.js, ns.subjects.source('api_orders'), landing, { id: landing, source: 'api_orders', partition: YESTERDAY, uri: 's3://orders/x.parquet' })
  ids.backfill = newId()
  await publishJson(ns.js, ns.subjects.backfillRequested, ids.backfill, { id: ids.backfill, workflow: 'api_other', from: '2026-02-01', to: '2026-02-02', concurrency: 1 })
  const bad = newId()
  await publishJson(ns.js, ns.subjects.runRequested, bad, { id: bad, workflow: 'api_nope', idempotencyKey: bad })
  for (const seq of [1, 2, 3]) {
    const id = `${ids.revOk}.extract.1.${seq}`
    const records = [0, 1].map((i) => ({ ts: new Date().toISOString(), level: 'info', stream: 'log', msg: `line ${seq}.${i}`, rows: seq * 10 + i }))
    await publishJson(ns.js, ns.subjects.log(ids.revOk, 'extract', 1), id, { id, runId: ids.revOk, taskId: 'extract', attempt: 1, seq, workerId: 'w1', records })
  }
  await eventually(async () => (await getBackfillStatus(ns.db, ids.backfill))?.status === 'succeeded', 'backfill done', 30_000)
  await eventually(async () => ns.db.selectFrom('dead_letters').select('id').executeTakeFirst(), 'dead letter')
  await eventually(async () => ns.db.selectFrom('readiness').select('partition').where('workflow', '=', 'api_fin').executeTakeFirst(), 'api_fin readiness')

  const mint = async (name: string, grants: { role: string; workflows?: string; owner?: string }[]) => (await createApiToken(ns.db, { name, grants, expiresAt: null, createdBy: 'test' })).secret
  tokens.admin = await mint('admin', [{ role: 'admin' }])
  tokens.viewer = await mint('viewer', [{ role: 'viewer' }])
  tokens.revenue = await mint('revenue-viewer', [{ role: 'viewer', workflows: 'api_rev*' }])
  tokens.finance = await mint('finance-viewer', [{ role: 'viewer', owner: 'finance' }])

  const env = { ...ns.env, BATON_TRACE_URL: 'http://jaeger:16686/trace/{traceId}' }
  api = await startApi({ config: loadApiConfig(env, { port: 0, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
  // The same API with CORS configured and a test-only route that takes a body (the action routes
  // are the only others that do), driven in process.
  const echo = (app: ZodApp) => {
    app.post('/test-echo', { config: { permission: 'read' } }, async (request) => ({ size: JSON.stringify(request.body).length }))
  }
  configured = buildApiServer({
    db: ns.db,
    nc: ns.nc,
    subjects: ns.subjects,
    config: loadApiConfig({ ...ns.env, BATON_API_CORS_ORIGINS: 'https://ui.example.com', BATON_API_AUTH_FAILURES_PER_MINUTE: '5' }, { baton: ns.config }),
    logger: createLogger({ level: 'silent' }),
    routes: [...ROUTE_MODULES, echo],
  })
  await configured.ready()
})

after(async () => {
  await configured?.close()
  await api?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

describe('health and documentation need no credential', () => {
  test('/healthz is up and /readyz checks Postgres, NATS and migrations', async () => {
    assert.deepEqual((await get('/healthz')).body, { status: 'ok' })
    const ready = await get('/readyz')
    assert.equal(ready.status, 200)
    assert.equal(ready.body.status, 'ready')
    assert.deepEqual(ready.body.checks.postgres, { ok: true })
    assert.deepEqual(ready.body.checks.nats, { ok: true })
    assert.equal(ready.body.checks.migrations.ok, true)
    assert.deepEqual(ready.body.checks.migrations.pending, [])
  })

  test('/docs serves the reference page (HTML, with a CSP that lets its scripts run)', async () => {
    const page = await get('/docs')
    const html = page.status === 302 ? await get(page.headers.get('location')!.replace(/^https?:\/\/[^/]+/, '')) : page
    assert.equal(html.status, 200)
    assert.match(html.headers.get('content-type') ?? '', /text\/html/)
    assert.match(String(html.body), /swagger-ui/i)
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/)
    const js = await get('/docs/static/swagger-ui-bundle.js')
    assert.equal(js.status, 200)
  })
})

describe('authentication', () => {
  test('every protected route answers 401 without a credential, and with a bad one; both are audited', async () => {
    for (const path of ['/workflows', '/workflows/api_rev', '/runs', `/runs/${ids.revOk}`, '/landings', '/backfills', '/alerts', '/freshness', '/dead-letters']) {
      const none = errorOf(await get(path), 401)
      assert.equal(none.code, 'UNAUTHENTICATED')
      assert.match(none.message, /Bearer/)
      const bad = await get(path, 'baton_aaaaaaaaaaaa_0000000000000000000000000000000000000000000')
      assert.equal(errorOf(bad, 401).code, 'UNAUTHENTICATED')
      assert.equal(bad.headers.get('www-authenticate'), 'Bearer')
    }
    const rows = await ns.db.selectFrom('audit_log').selectAll().where('result', '=', 'unauthenticated').execute()
    assert.ok(rows.length >= 18, `${rows.length} audit rows`)
    assert.equal(rows[0]!.actor, 'anonymous')
    assert.equal(rows[0]!.client_address, '127.0.0.1')
    assert.doesNotMatch(JSON.stringify(rows), /baton_aaaaaaaaaaaa_0{10}/, 'a credential never reaches the audit log')
  })

  test('failed authentications from one address are limited (429), other addresses are not', async () => {
    const attempt = (remoteAddress: string, token = 'baton_aaaaaaaaaaaa_0000000000000000000000000000000000000000000') =>
      configured.inject({ method: 'GET', url: '/runs', remoteAddress, headers: { authorization: `Bearer ${token}` } })
    for (let i = 0; i < 5; i++) assert.equal((await attempt('10.0.0.9')).statusCode, 401)
    const limited = await attempt('10.0.0.9')
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.json().error.code, 'RATE_LIMITED')
    assert.ok(Number(limited.headers['retry-after']) > 0)
    assert.equal((await attempt('10.0.0.9', tokens.admin)).statusCode, 429, 'the address is refused before its credential is looked at')
    assert.equal((await attempt('10.0.0.10', tokens.admin)).statusCode, 200)
  })
})

describe('read routes', () => {
  test('GET /workflows: owner, schedule with next tick in its timezone, gate, state, latest runs, freshness, open alerts', async () => {
    const a = await get('/workflows', tokens.admin)
    assert.equal(a.status, 200)
    const by = Object.fromEntries(a.body.items.map((w: any) => [w.name, w]))
    assert.deepEqual(Object.keys(by), ['api_fin', 'api_other', 'api_rev', 'api_rev_fail'])
    const rev = by.api_rev
    assert.equal(rev.owner, 'revenue')
    assert.equal(rev.schedule.cron, '0 6 * * *')
    assert.equal(rev.schedule.timezone, 'Europe/Paris')
    assert.match(rev.schedule.nextFireLocal, / 06:00 /)
    assert.equal(rev.paused, false)
    assert.equal(rev.archivedAt, null)
    assert.equal(rev.lastRun.id, ids.revOk)
    assert.equal(rev.recentRuns[0].status, 'succeeded')
    assert.equal(rev.freshness.state, 'complete')
    assert.deepEqual(by.api_fin.gate, { sourcesLanded: ['api_orders', 'api_fx'], partition: 'date', expectBy: null })
    assert.equal(by.api_rev_fail.openAlerts, 1)
    assert.equal(by.api_other.recentRuns.length, 5)
    assert.deepEqual((await get('/workflows?owner=revenue', tokens.admin)).body.items.map((w: any) => w.name), ['api_rev', 'api_rev_fail'])
    assert.deepEqual((await get('/workflows?name=api_rev*', tokens.admin)).body.items.map((w: any) => w.name), ['api_rev', 'api_rev_fail'])
    assert.deepEqual((await get('/workflows?status=paused', tokens.admin)).body.items, [])
  })

  test('GET /workflows/{name}: definition, DAG with trigger rules and queues, next fire times, gate', async () => {
    const a = await get('/workflows/api_rev?fireTimes=3', tokens.admin)
    assert.equal(a.status, 200)
    assert.deepEqual(a.body.dag.nodes.map((n: any) => n.id), ['extract', 'load', 'check_rows', 'notify'])
    const notify = a.body.dag.nodes.find((n: any) => n.id === 'notify')
    assert.equal(notify.trigger, 'one_failed')
    assert.equal(notify.queue, 'apiq')
    assert.equal(a.body.dag.nodes.find((n: any) => n.id === 'check_rows').kind, 'check')
    assert.deepEqual(a.body.dag.edges, [
      { from: 'extract', to: 'load' },
      { from: 'load', to: 'check_rows' },
      { from: 'check_rows', to: 'notify' },
    ])
    assert.equal(a.body.schedule.nextFireTimes.length, 3)
    for (const t of a.body.schedule.nextFireTimes) assert.match(t.local, / 06:00 /)
    assert.equal((a.body.definition as { name: string }).name, 'api_rev')
    assert.equal((await get('/workflows/api_fin', tokens.admin)).body.gate.sourcesLanded.length, 2)
  })

  test('GET /workflows/{name}/versions and /versions/{hash}', async () => {
    const list = await get('/workflows/api_other/versions', tokens.admin)
    assert.equal(list.status, 200)
    assert.equal(list.body.items.length, 2)
    assert.equal(list.body.items.filter((v: any) => v.current).length, 1)
    const old = list.body.items.find((v: any) => !v.current)
    const one = await get(`/workflows/api_other/versions/${old.hash}`, tokens.admin)
    assert.equal(one.status, 200)
    assert.equal(one.body.hash, old.hash)
    assert.equal(one.body.definition.description, undefined)
    assert.equal(errorOf(await get(`/workflows/api_rev/versions/${old.hash}`, tokens.admin), 404).code, 'NOT_FOUND')
  })

  test('GET /workflows/{name}/readiness answers why a run has not started', async () => {
    const a = await get('/workflows/api_fin/readiness', tokens.admin)
    assert.equal(a.status, 200)
    const [p] = a.body.items
    assert.equal(p.partition, YESTERDAY)
    assert.equal(p.status, 'waiting')
    assert.deepEqual(p.missing, ['api_fx'])
    assert.equal(p.landings[0].source, 'api_orders')
    assert.equal((await get(`/workflows/api_fin/readiness?partition=2020-01-01`, tokens.admin)).body.items[0].missing.length, 2)
  })

  test('GET /runs: filters, cursor pages in a stable order, status words', async () => {
    const all = await get('/runs', tokens.admin)
    assert.equal(all.status, 200)
    assert.equal(all.body.nextCursor, null)
    const total = all.body.items.length
    assert.ok(total >= 8, `${total} runs`)
    const order = all.body.items.map((r: any) => r.id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: Answer = await get(`/runs?limit=3${cursor ? `&cursor=${cursor}` : ''}`, tokens.admin)
      assert.ok(page.body.items.length <= 3)
      seen.push(...page.body.items.map((r: any) => r.id))
      cursor = page.body.nextCursor
    } while (cursor)
    assert.deepEqual(seen, order, 'pages cover every run once, in the list order')
    const failed = await get('/runs?status=failed', tokens.admin)
    assert.deepEqual(failed.body.items.map((r: any) => r.id), [ids.revFailed])
    assert.deepEqual(failed.body.items[0].error, { taskId: 'breaks', message: 'source table missing' })
    const two = await get('/runs?status=failed&status=succeeded&workflow=api_rev_fail', tokens.admin)
    assert.equal(two.body.items.length, 1)
    assert.equal((await get('/runs?owner=other&trigger=backfill', tokens.admin)).body.items.length, 2)
    assert.equal((await get(`/runs?partition=${YESTERDAY}&owner=revenue`, tokens.admin)).body.items.length, 2)
    assert.equal((await get('/runs?until=2000-01-01', tokens.admin)).body.items.length, 0)
    assert.equal((await get(`/runs?since=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`, tokens.admin)).body.items.length, total)
    for (const r of all.body.items) assert.ok(['queued', 'running', 'succeeded', 'failed', 'cancelled'].includes(r.status))
  })

  test('GET /runs/{id}: tasks with attempts, queue wait, worker, output, check verdict, inputs, trace id and link', async () => {
    const a = await get(`/runs/${ids.revOk}`, tokens.admin)
    assert.equal(a.status, 200)
    const run = a.body
    assert.equal(run.status, 'succeeded')
    assert.equal(run.trace.traceId, traceIdForRun(ids.revOk))
    assert.equal(run.trace.traceUrl, `http://jaeger:16686/trace/${traceIdForRun(ids.revOk)}`)
    const by = Object.fromEntries(run.tasks.map((t: any) => [t.id, t]))
    assert.deepEqual(Object.keys(by), ['extract', 'load', 'check_rows', 'notify'])
    assert.equal(by.notify.status, 'skipped')
    assert.deepEqual(by.load.inputs, { extract: { rows: 42, task: 'extract' } })
    assert.deepEqual(by.extract.inputs, {})
    const attempt = by.extract.attemptDetails[0]
    assert.equal(attempt.workerId, 'scripted-apiq')
    assert.equal(typeof attempt.queueWaitMs, 'number')
    assert.deepEqual(attempt.output, { rows: 42, task: 'extract' })
    assert.deepEqual(by.check_rows.check, { passed: true, details: '0 bad rows', sample: [] })
    const failed = (await get(`/runs/${ids.revFailed}`, tokens.admin)).body
    assert.equal(failed.tasks[0].error.message, 'source table missing')
  })

  test('GET /runs/{id}/tasks/{taskId}/logs pages through the stored log lines', async () => {
    const first = await get(`/runs/${ids.revOk}/tasks/extract/logs?limit=3`, tokens.admin)
    assert.equal(first.status, 200)
    assert.deepEqual(first.body.items.map((l: any) => l.msg), ['line 1.0', 'line 1.1', 'line 2.0', 'line 2.1'], 'a page ends at a batch boundary')
    assert.equal(first.body.more, true)
    assert.deepEqual(first.body.items[0].fields, { rows: 10 })
    const rest = await get(`/runs/${ids.revOk}/tasks/extract/logs?after=${first.body.next}`, tokens.admin)
    assert.deepEqual(rest.body.items.map((l: any) => l.msg), ['line 3.0', 'line 3.1'])
    assert.equal(rest.body.more, false)
    const none = await get(`/runs/${ids.revOk}/tasks/extract/logs?after=${rest.body.next}`, tokens.admin)
    assert.deepEqual(none.body, { items: [], next: rest.body.next, more: false, skipped: 0 })
    assert.equal((await get(`/runs/${ids.revOk}/tasks/extract/logs?attempt=2`, tokens.admin)).body.items.length, 0)
    assert.equal((await get(`/runs/${ids.revOk}/tasks/load/logs`, tokens.admin)).body.items.length, 0)
  })

  test('GET /landings, /backfills, /backfills/{id}, /alerts, /freshness, /dead-letters', async () => {
    const landings = await get('/landings?source=api_orders', tokens.admin)
    assert.equal(landings.status, 200)
    assert.equal(landings.body.items[0].uri, 's3://orders/x.parquet')
    assert.equal(landings.body.items[0].partition, YESTERDAY)
    assert.equal((await get(`/landings?partition=1999-01-01`, tokens.admin)).body.items.length, 0)
    const backfills = await get('/backfills', tokens.admin)
    assert.equal(backfills.body.items[0].id, ids.backfill)
    const backfill = await get(`/backfills/${ids.backfill}`, tokens.admin)
    assert.equal(backfill.body.status, 'succeeded')
    assert.equal(backfill.body.runs.succeeded, 2)
    const alerts = await get('/alerts?status=firing', tokens.admin)
    assert.equal(alerts.status, 200)
    assert.equal(alerts.body.items[0].workflow, 'api_rev_fail')
    assert.equal(alerts.body.items[0].owner, 'revenue')
    assert.ok(Array.isArray(alerts.body.items[0].deliveries))
    assert.equal((await get('/alerts?status=resolved', tokens.admin)).body.items.length, 0)
    const fresh = await get('/freshness?state=failed', tokens.admin)
    assert.deepEqual(fresh.body.items.map((f: any) => f.workflow), ['api_rev_fail'])
    const dead = await get('/dead-letters', tokens.admin)
    assert.equal(dead.status, 200)
    assert.ok(dead.body.items.some((d: any) => d.reason.includes('api_nope')))
  })
})

describe('scopes: a viewer sees only the workflows its grants cover', () => {
  test('lists keep to the scope: runs, workflows, alerts, backfills, landings, freshness', async () => {
    const runs = await get('/runs', tokens.revenue)
    assert.ok(runs.body.items.length >= 2)
    assert.ok(runs.body.items.every((r: any) => r.workflow.startsWith('api_rev')))
    assert.deepEqual((await get('/workflows', tokens.revenue)).body.items.map((w: any) => w.name), ['api_rev', 'api_rev_fail'])
    assert.deepEqual((await get('/workflows', tokens.finance)).body.items.map((w: any) => w.name), ['api_fin'])
    assert.deepEqual((await get('/runs', tokens.finance)).body.items, [])
    assert.deepEqual((await get('/runs?workflow=api_other', tokens.revenue)).body.items, [], 'a filter never widens the scope')
    assert.deepEqual((await get('/backfills', tokens.revenue)).body.items, [])
    assert.deepEqual((await get('/alerts', tokens.finance)).body.items, [])
    assert.deepEqual((await get('/landings', tokens.finance)).body.items.map((l: any) => l.source), ['api_orders'])
    assert.deepEqual((await get('/landings', tokens.revenue)).body.items, [])
    assert.deepEqual((await get('/freshness', tokens.finance)).body.items.map((f: any) => f.workflow), ['api_fin'])
    assert.equal((await get('/runs', tokens.viewer)).body.items.length, (await get('/runs', tokens.admin)).body.items.length, 'an unscoped viewer sees everything')
  })

  test('a direct id outside the scope is 403 naming the missing permission, and audited', async () => {
    for (const path of [`/runs/${ids.other}`, `/runs/${ids.other}/tasks/only/logs`, '/workflows/api_other', '/workflows/api_other/versions', '/workflows/api_fin/readiness', `/backfills/${ids.backfill}`]) {
      const e = errorOf(await get(path, tokens.revenue), 403)
      assert.equal(e.code, 'FORBIDDEN')
      assert.deepEqual(e.details, { missing: 'read' })
      assert.match(e.message, /token 'revenue-viewer' lacks permission 'read' on workflow/)
    }
    assert.equal(errorOf(await get('/dead-letters', tokens.revenue), 403).details.missing, 'read')
    assert.equal((await get(`/runs/${ids.revOk}`, tokens.revenue)).status, 200)
    const denied = await ns.db.selectFrom('audit_log').selectAll().where('result', '=', 'denied').where('actor', '=', 'token:revenue-viewer').execute()
    assert.ok(denied.some((d) => d.resource === `run:${ids.other}` && d.status === 403 && d.action === 'GET /runs/:id'))
    assert.ok(denied.every((d) => d.role === null && d.reason?.includes("lacks permission 'read'")))
    assert.equal((await ns.db.selectFrom('audit_log').select('id').where('result', '=', 'ok').where('action', 'like', 'GET %').execute()).length, 0, 'reads are not audited')
  })
})

describe('bad and hostile input', () => {
  test('unknown ids and routes are 404', async () => {
    for (const path of [`/runs/${newId()}`, `/runs/${newId()}/tasks/extract/logs`, `/runs/${ids.revOk}/tasks/nope/logs`, '/workflows/api_nope', '/workflows/api_nope/versions', '/workflows/api_nope/readiness', `/workflows/api_rev/versions/${'0'.repeat(64)}`, `/backfills/${newId()}`, '/no/such/route']) {
      assert.equal(errorOf(await get(path, tokens.admin), 404).code, 'NOT_FOUND', path)
    }
  })

  test('bad query parameters are 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/runs?limit=abc', 'limit'],
      ['/runs?limit=501', 'limit'],
      ['/runs?limit=0', 'limit'],
      ['/runs?status=done', 'status'],
      ['/runs?since=yesterday', 'since'],
      ['/runs?cursor=xyz', 'cursor'],
      ['/runs?trigger=magic', 'trigger'],
      ['/runs?stauts=failed', 'stauts'],
      ['/alerts?status=open', 'status'],
      ['/workflows?status=sleeping', 'status'],
      [`/runs/${ids.revOk}/tasks/extract/logs?after=-1`, 'after'],
      ['/landings?cursor=0', 'cursor'],
      ['/workflows/api_rev?fireTimes=100', 'fireTimes'],
    ]
    for (const [path, field] of cases) {
      const e = errorOf(await get(path, tokens.admin), 400)
      assert.equal(e.code, 'VALIDATION_FAILED')
      assert.ok(e.details.issues.some((i: any) => i.path === field && i.in === 'query'), `${path}: ${JSON.stringify(e.details)}`)
      assert.match(e.message, new RegExp(field))
    }
    const e = errorOf(await get('/runs/not-a-uuid', tokens.admin), 400)
    assert.deepEqual(e.details.issues.map((i: any) => [i.in, i.path]), [['params', 'id']])
  })

  test('SQL injection and path traversal in every path and query parameter: 400 or 404, the database intact', async () => {
    const before = await runCount()
    const hostile = ["' OR 1=1 --", '1; DROP TABLE runs', '../../etc/passwd', '%2e%2e%2f', '..%2F..%2Fetc%2Fpasswd', "api_rev' --", 'x\u0000y']
    const templates = [
      (v: string) => `/runs/${v}`,
      (v: string) => `/runs/${v}/tasks/extract/logs`,
      (v: string) => `/runs/${ids.revOk}/tasks/${v}/logs`,
      (v: string) => `/workflows/${v}`,
      (v: string) => `/workflows/${v}/versions`,
      (v: string) => `/workflows/api_rev/versions/${v}`,
      (v: string) => `/workflows/${v}/readiness`,
      (v: string) => `/backfills/${v}`,
    ]
    const queries: Record<string, string[]> = {
      '/runs': ['workflow', 'status', 'partition', 'owner', 'trigger', 'since', 'until', 'cursor', 'limit'],
      '/workflows': ['owner', 'status', 'name'],
      '/landings': ['source', 'partition', 'since', 'cursor', 'limit'],
      '/backfills': ['workflow', 'limit'],
      '/alerts': ['status', 'workflow', 'since', 'limit'],
      '/freshness': ['workflow', 'owner', 'state'],
      '/dead-letters': ['since', 'limit'],
      [`/runs/${ids.revOk}/tasks/extract/logs`]: ['attempt', 'after', 'limit'],
      '/workflows/api_fin/readiness': ['partition', 'limit'],
      '/workflows/api_rev': ['fireTimes'],
    }
    for (const v of hostile) {
      for (const t of templates) {
        for (const path of [t(encodeURIComponent(v)), t(v)]) {
          const a = await get(path, tokens.admin)
          assert.ok([400, 404].includes(a.status), `${path}: ${a.status} ${JSON.stringify(a.body)}`)
          errorOf(a, a.status)
        }
      }
      for (const [route, params] of Object.entries(queries)) {
        for (const p of params) {
          const a = await get(`${route}?${p}=${encodeURIComponent(v)}`, tokens.admin)
          // Free-text filters (owner, source, partition) may legitimately match nothing: 200 with
          // no items (readiness of a partition nothing landed for: every source still missing).
          if (a.status === 200) {
            assert.ok(['owner', 'source', 'partition'].includes(p), `${route}?${p}=${v}: 200`)
            if (route.endsWith('/readiness')) assert.deepEqual(a.body.items.map((i: any) => [i.partition, i.landings.length, i.runId]), [[v, 0, null]])
            else assert.deepEqual(a.body.items, [], `${route}?${p}=${v} matched something`)
          } else {
            assert.equal(errorOf(a, 400).code, 'VALIDATION_FAILED', `${route}?${p}=${v}`)
          }
        }
      }
    }
    assert.equal(await runCount(), before, 'runs intact')
    assert.equal((await get('/runs', tokens.admin)).status, 200)
  })

  test('a body over 1 MiB is 413 before it is read', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) })
    const a = await configured.inject({ method: 'POST', url: '/test-echo', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: big })
    assert.equal(a.statusCode, 413)
    assert.equal(a.json().error.code, 'PAYLOAD_TOO_LARGE')
    const small = await configured.inject({ method: 'POST', url: '/test-echo', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: { pad: 'x' } })
    assert.equal(small.statusCode, 200)
    const audited = await ns.db.selectFrom('audit_log').selectAll().where('action', '=', 'POST /test-echo').orderBy('id').execute()
    // The oversized body was refused before the request was authorized: no role yet.
    assert.deepEqual(audited.map((r) => [r.actor, r.result, r.status, r.role]), [['token:admin', 'failed', 413, null], ['token:admin', 'ok', 200, 'admin']], 'every non-GET request is audited')
  })
})

describe('headers and the OpenAPI document', () => {
  test('security headers are set; CORS is off by default and on where configured', async () => {
    const a = await get('/runs', tokens.admin, { headers: { origin: 'https://evil.example.com' } })
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff')
    assert.match(a.headers.get('content-security-policy') ?? '', /default-src 'none'/)
    assert.ok(a.headers.get('x-frame-options'))
    assert.ok(a.headers.get('strict-transport-security'))
    assert.ok(a.headers.get('referrer-policy'))
    assert.equal(a.headers.get('access-control-allow-origin'), null)
    const preflight = await get('/runs', undefined, { method: 'OPTIONS', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'GET' } })
    assert.equal(preflight.headers.get('access-control-allow-origin'), null)

    const allowed = await configured.inject({ method: 'GET', url: '/runs', headers: { origin: 'https://ui.example.com', authorization: `Bearer ${tokens.admin}` } })
    assert.equal(allowed.statusCode, 200)
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://ui.example.com')
    const other = await configured.inject({ method: 'GET', url: '/runs', headers: { origin: 'https://evil.example.com', authorization: `Bearer ${tokens.admin}` } })
    assert.equal(other.headers['access-control-allow-origin'], undefined)
    const pre = await configured.inject({ method: 'OPTIONS', url: '/runs', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
    assert.equal(pre.statusCode, 204)
    assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/i)
  })

  test('/openapi.json is an OpenAPI 3.1 document listing every route, and real answers match its schemas', async () => {
    const doc = (await get('/openapi.json')).body
    assert.equal(doc.openapi, '3.1.0')
    assert.equal(doc.info.title, 'Baton API')
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description })
    const expected = [
      '/healthz',
      '/readyz',
      '/workflows',
      '/workflows/{name}',
      '/workflows/{name}/versions',
      '/workflows/{name}/versions/{hash}',
      '/workflows/{name}/readiness',
      '/runs',
      '/runs/{id}',
      '/runs/{id}/tasks/{taskId}/logs',
      '/landings',
      '/backfills',
      '/backfills/{id}',
      '/alerts',
      '/freshness',
      '/dead-letters',
    ]
    for (const p of expected) assert.ok(doc.paths[p]?.get, `${p} documented`)
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/docs') || p === '/openapi.json'), 'the docs themselves are not listed')
    // Every schema is valid JSON Schema 2020-12 (OpenAPI 3.1's dialect), parameters are complete.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
    // The document's components as one schema resource, so `#/components/schemas/X` refs resolve.
    const BASE = 'https://baton.invalid/openapi.json'
    ajv.addSchema({ $id: BASE, components: doc.components ?? {} })
    const resolve = (s: unknown): object => JSON.parse(JSON.stringify(s).replaceAll('"#/components/schemas/', `"${BASE}#/components/schemas/`)) as object
    const validators = new Map<string, (v: unknown) => boolean>()
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const success = Object.keys(op.responses ?? {}).filter((code) => /^2\d\d$/.test(code))
        assert.ok(success.length > 0, `${method} ${path} documents its success answer`)
        for (const param of op.parameters ?? []) {
          assert.ok(['path', 'query', 'header'].includes(param.in) && typeof param.name === 'string' && param.schema, `${method} ${path} ${JSON.stringify(param)}`)
          if (param.in === 'path') assert.equal(param.required, true)
        }
        const body = op.requestBody?.content?.['application/json']?.schema
        if (body) ajv.compile(resolve(body))
        for (const code of success) {
          // JSON answers carry their schema; a stream (server-sent events) names its media type.
          const content = op.responses[code].content ?? {}
          const schema = content['application/json']?.schema
          if (code !== '204') assert.ok(Object.keys(content).length > 0, `${method} ${path}: the content of ${code}`)
          if (schema) validators.set(`${method} ${path}${code === '200' ? '' : ` ${code}`}`, ajv.compile(resolve(schema)))
        }
      }
    }
    const check = async (key: string, url: string) => {
      const a = await get(url, tokens.admin)
      const validate = validators.get(key)!
      assert.ok(validate(a.body), `${url} matches its documented schema: ${JSON.stringify((validate as unknown as { errors: unknown }).errors)}`)
    }
    await check('get /runs/{id}', `/runs/${ids.revOk}`)
    await check('get /runs', '/runs')
    await check('get /workflows', '/workflows')
    await check('get /workflows/{name}', '/workflows/api_rev')
    await check('get /alerts', '/alerts')
    await check('get /backfills/{id}', `/backfills/${ids.backfill}`)
    await check('get /runs/{id}/tasks/{taskId}/logs', `/runs/${ids.revOk}/tasks/extract/logs`)
    await check('get /readyz', '/readyz')
  })
})

describe('the baton api command', () => {
  test('serves the API on --port with the reference page, and stops on SIGTERM with exit 0', async () => {
    const p = startBaton(['api', '--port', '0', '--host', '127.0.0.1'], ns.env)
    try {
      const url = await eventually(() => /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(p.output())?.[1] ?? (p.child.exitCode !== null ? 'exited' : undefined), 'baton api to listen', 60_000)
      assert.notEqual(url, 'exited', p.output())
      const runs = await fetch(`${url}/runs?workflow=api_rev`, { headers: { authorization: `Bearer ${tokens.viewer}` } })
      assert.equal(runs.status, 200)
      assert.equal(((await runs.json()) as { items: unknown[] }).items.length, 1)
      const docs = await fetch(`${url}/docs/static/swagger-ui-bundle.js`)
      assert.equal(docs.status, 200, 'the bundled command serves the reference page assets')
      await docs.arrayBuffer()
      p.child.kill('SIGTERM')
      assert.equal(await p.exited, 0, p.output())
      assert.match(p.output(), /SIGTERM: stopping api/)
    } finally {
      await p.kill()
    }
  })
})
