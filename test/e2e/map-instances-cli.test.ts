import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { createApiToken, createLogger, type MapInstancePage } from '@baton/shared'
import { assertOneErrorLine, STACK } from '../support/cli-assertions.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { insertMappedRun, mappedWorkflow } from '../support/mapped-runs.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { runBaton } from '../support/processes.js'
import { deploy } from '../support/runs.js'

// `baton run` and `baton instances` on a mapped task (docs/operations.md, "Mapped tasks"): the
// run's row of the mapped task counts its 1,500 instances; `instances` lists them a page at a
// time, filtered by status, as text and JSON, the same through the API as from Postgres.

let ns: TestNamespace
let api: RunningApi
let runId: string
let apiEnv: Record<string, string>

const TOTAL = 1500
/** 12 failed (i % 100 = 7), 1,188 succeeded, 200 running, 100 queued. */
const statusOf = (i: number): string => (i < 1200 ? (i % 100 === 7 ? 'failed' : 'succeeded') : i < 1400 ? 'running' : 'queued')

before(async () => {
  ns = await createTestNamespace('map_cli')
  await deploy(ns, mappedWorkflow('map_cli'))
  runId = await insertMappedRun(ns.db, { workflow: 'map_cli', task: 'load', source: 'list_files', total: TOTAL, statusOf, others: { report: 'pending' } })
  const token = (await createApiToken(ns.db, { name: 'cli', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })).secret
  api = await startApi({ config: loadApiConfig(ns.env, { port: 0, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
  apiEnv = { ...ns.env, BATON_API_URL: api.url, BATON_TOKEN: token, BATON_DATABASE_URL: 'postgres://nobody:unused@127.0.0.1:1/nowhere', BATON_NATS_URL: 'nats://127.0.0.1:1' }
})

after(async () => {
  await api?.close()
  await ns?.close()
  await assertNoLeaks()
})

test('baton run shows the mapped task with its counts, never its instances, and how to list them', async () => {
  const r = await runBaton(['run', runId], ns.env)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /│ load\s+│ running\s+│ 0\s+│\s*│ map 1500: 1188 succeeded, 12 failed, 200 running, 100 queued/)
  assert.doesNotMatch(r.stdout, /load\[/)
  assert.match(r.stdout, new RegExp(`instances of load: baton instances ${runId} load \\[--status failed\\]`))
  const json = JSON.parse((await runBaton(['run', runId, '--json'], ns.env)).stdout)
  assert.deepEqual(json.tasks[1].map, { from: 'list_files', key: 'files', reduce: false, total: TOTAL, counts: { succeeded: 1188, failed: 12, running: 200, queued: 100 } })
})

test('baton instances lists the first 100 in index order, the counts, and the command for the next page', async () => {
  const r = await runBaton(['instances', runId, 'load'], ns.env)
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  assert.equal(lines[0], 'load: 1500 instances, 1188 succeeded, 12 failed, 200 running, 100 queued')
  assert.equal(lines.length, 102)
  assert.match(lines[1]!, /^load\[0\]\s+succeeded\s+attempts 1\s+0ms\s+\{"file":"f0.csv"\}$/)
  assert.match(lines[8]!, /^load\[7\]\s+failed\s+attempts 1\s+\S+\s+error: bad file f7.csv$/)
  assert.equal(lines[101], `more: baton instances ${runId} load --after 99`)
  const next = await runBaton(['instances', runId, 'load', '--after', '99', '--limit', '1'], ns.env)
  assert.match(next.stdout.split('\n')[1]!, /^load\[100\]/)
})

test('--status and --limit read page after page; --json prints them as one page', async () => {
  const failed = JSON.parse((await runBaton(['instances', runId, 'load', '--status', 'failed', '--json'], ns.env)).stdout) as MapInstancePage
  assert.equal(failed.instances.length, 12)
  assert.ok(failed.instances.every((i) => i.status === 'failed' && i.index % 100 === 7))
  assert.equal(failed.nextAfter, null)
  const many = JSON.parse((await runBaton(['instances', runId, 'load', '--limit', '1250', '--json'], ns.env)).stdout) as MapInstancePage
  assert.equal(many.instances.length, 1250, 'more than one API page (1,000)')
  assert.deepEqual(
    many.instances.map((i) => i.index),
    Array.from({ length: 1250 }, (_, i) => i),
  )
  assert.equal(many.nextAfter, 1249)
})

test('the same through the API', async () => {
  for (const args of [['instances', runId, 'load', '--status', 'queued', '--limit', '5'], ['run', runId]]) {
    const direct = await runBaton(args, ns.env)
    const viaApi = await runBaton(args, apiEnv)
    assert.equal(viaApi.code, 0, viaApi.stderr)
    assert.equal(viaApi.stdout, direct.stdout, args.join(' '))
  }
})

test('a task that is not mapped, an unknown task or a bad flag is one error line, exit 2', async () => {
  for (const env of [ns.env, apiEnv]) {
    assertOneErrorLine(await runBaton(['instances', runId, 'list_files'], env), /task 'list_files' of workflow map_cli is not mapped/)
    assertOneErrorLine(await runBaton(['instances', runId, 'nope'], env), /nope/)
  }
  assertOneErrorLine(await runBaton(['instances', runId, 'load', '--status', 'done'], ns.env), /--status: must be one of/)
  // An action on one instance (the API's answer to it: map-instances-read.test.ts).
  assertOneErrorLine(await runBaton(['clear', runId, 'load[3]'], ns.env), /'load\[3\]' is an instance of mapped task 'load': act on load/)
  assertOneErrorLine(await runBaton(['instances', runId, 'load', '--limit', '0'], ns.env), /--limit/)
})

test('baton logs takes an instance id', async () => {
  for (const env of [ns.env, apiEnv]) {
    const r = await runBaton(['logs', runId, 'load[7]'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stderr, STACK)
    assert.match(r.stderr, /no task logs stored for task load\[7\]/)
    assertOneErrorLine(await runBaton(['logs', runId, 'load[1500]'], env), /has no task 'load\[1500\]'/)
  }
})
