import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createApiToken, createLogger } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { PrivateNats } from '../support/private-nats.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// The API when its servers fail under it: a private nats-server stopped and restarted (its own
// port and store), and the API's Postgres connections killed. An action then is a 503 naming the
// server — never a crash, a hang or a half-applied action — and works again once it is back.

let nats: PrivateNats
let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
let api: RunningApi
let token: string
let failing = true

before(async () => {
  nats = await PrivateNats.start()
  ns = await eventually(() => createTestNamespace('api_outages', { natsUrl: nats.url }).catch(() => undefined), 'private nats-server up')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'outq', () => (failing ? { fail: { message: 'source broken', retryable: false } } : { succeed: { ok: true } }))
  api = await startApi({ config: loadApiConfig(ns.env, { baton: ns.config, port: 0, host: '127.0.0.1' }), startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
  token = (await createApiToken(ns.db, { name: 'ops', grants: [{ role: 'admin' }], expiresAt: null, createdBy: 'test' })).secret
})
after(async () => {
  await api?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await nats?.dispose()
  await assertNoLeaks()
})

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: await res.json() }
}

test('NATS down: an action is a 503 naming NATS, reads still answer, /readyz says not ready; back up, the same action is applied once', async () => {
  await deploy(ns, { name: 'out_wf', tasks: { a: { queue: 'outq' } } })
  const runId = await trigger(ns, 'out_wf')
  assert.equal((await waitForRun(ns, runId)).status, 'failed')
  failing = false

  await nats.stop()
  const retry = await call('POST', `/runs/${runId}/retry?wait=2`, { reason: 'source fixed' })
  assert.equal(retry.status, 503, JSON.stringify(retry.body))
  assert.equal(retry.body.error.code, 'UNAVAILABLE')
  assert.match(retry.body.error.message, /NATS/)
  const read = await call('GET', `/runs/${runId}`)
  assert.equal(read.status, 200, 'reads come from Postgres')
  assert.equal(read.body.status, 'failed', 'nothing was applied')
  const ready = await fetch(`${api.url}/readyz`)
  assert.equal(ready.status, 503)

  nats.restart()
  const again = await eventually(async () => {
    const r = await call('POST', `/runs/${runId}/retry?wait=10`, { reason: 'source fixed' })
    return r.status === 503 ? undefined : r
  }, 'the API to reach NATS again', 30_000)
  assert.equal(again.status, 200, JSON.stringify(again.body))
  assert.equal(again.body.outcome, 'applied')
  assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
  const retries = await ns.db.selectFrom('history').select('event_id').where('run_id', '=', runId).where('kind', '=', 'run').where('to_status', '=', 'running').execute()
  assert.equal(retries.length, 2, 'started once, reopened once by the retry: the refused attempt left nothing')
  await eventually(async () => (await fetch(`${api.url}/readyz`)).status === 200, '/readyz to be ready again')
})

test("the API's Postgres connections killed: the request in flight fails cleanly, the next ones answer", async () => {
  const app = `baton-api:${ns.config.namespace}`
  await call('GET', '/runs?limit=1') // the pool holds a connection
  const killed = await sql<{ n: number }>`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = ${app}`.execute(ns.db)
  assert.ok(killed.rows[0]!.n > 0, 'a backend of the API was terminated')
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) statuses.push((await call('GET', '/runs?limit=1')).status)
  assert.ok(statuses.every((s) => s === 200 || s === 503), `only 200 or a clean 503: ${statuses.join(', ')}`)
  assert.equal(statuses.at(-1), 200, 'answering again')
  // The server is still the same process, serving.
  assert.equal((await fetch(`${api.url}/healthz`)).status, 200)
})
