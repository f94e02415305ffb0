import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { createApiToken, createLogger, getRunDetails } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { openSse } from '../support/sse-reader.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// GET /runs/{id}/tasks/{taskId}/logs/live: a task's log lines while it runs, as Server-Sent
// Events from the task log stream, resumable with Last-Event-ID; against a real coordinator and
// the stock worker's sh runner.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Worker
let api: RunningApi
let token: string

before(async () => {
  ns = await createTestNamespace('api_logs_live')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startWorker({ queue: 'liveq', runners: true, config: ns.config, logger: createLogger({ level: 'silent' }) })
  api = await startApi({ config: loadApiConfig(ns.env, { baton: ns.config, port: 0, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
  token = (await createApiToken(ns.db, { name: 'reader', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })).secret
})
after(async () => {
  await api?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

type LogEvent = { seq: number; attempt: number; records: { msg: string; stream: string }[] }
const lines = (events: { event: string; data: string }[]) => events.filter((e) => e.event === 'log').flatMap((e) => (JSON.parse(e.data) as LogEvent).records.map((r) => r.msg))

test('lines arrive while the task runs, in order; a client resuming with Last-Event-ID gets only what followed', async () => {
  await deploy(ns, { name: 'talky', tasks: { talk: { queue: 'liveq', run: { sh: 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.5; done' } } } })
  const runId = await trigger(ns, 'talky')
  const url = `${api.url}/runs/${runId}/tasks/talk/logs/live`
  const live = await openSse(url, { token })
  assert.equal(live.status, 200, live.body)
  assert.match(live.headers.get('content-type') ?? '', /^text\/event-stream/)
  await live.waitFor(() => lines(live.events).includes('line 2'), 'line 2', 30_000)
  const run = await getRunDetails(ns.db, runId)
  assert.equal(run?.tasks[0]?.status, 'running', 'line 2 arrived while the task was still running')
  const firstId = live.events.find((e) => e.event === 'log')!.id
  await live.waitFor(() => lines(live.events).includes('line 6'), 'line 6', 30_000)
  assert.deepEqual(lines(live.events), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6'])
  await live.close()
  await waitForRun(ns, runId)

  const resumed = await openSse(url, { token, lastEventId: firstId })
  await resumed.waitFor(() => lines(resumed.events).includes('line 6'), 'the resumed stream to reach line 6', 30_000)
  const after = lines(resumed.events)
  assert.ok(!after.includes('line 1'), `nothing before the resume point: ${after.join(', ')}`)
  assert.deepEqual(after, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6'].slice(6 - after.length))
  await resumed.close()
})

test('unknown run or task: 404; no token: 401; a bad Last-Event-ID: 400 naming it', async () => {
  const runId = (await ns.db.selectFrom('runs').select('id').executeTakeFirstOrThrow()).id
  assert.equal((await openSse(`${api.url}/runs/${runId}/tasks/nope/logs/live`, { token })).status, 404)
  assert.equal((await openSse(`${api.url}/runs/01a23716-b7b0-750c-ba62-a19ed53ba1d2/tasks/talk/logs/live`, { token })).status, 404)
  assert.equal((await openSse(`${api.url}/runs/${runId}/tasks/talk/logs/live`)).status, 401)
  const bad = await openSse(`${api.url}/runs/${runId}/tasks/talk/logs/live`, { token, lastEventId: 'x; DROP TABLE runs' })
  assert.equal(bad.status, 400)
  assert.match(bad.body, /last-event-id/)
})
