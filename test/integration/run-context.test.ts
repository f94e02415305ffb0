import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { getFreshness, getRunDetails, newId, publishJson } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// Run context (what started a run, on which inputs and version) and freshness (`baton status`).

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>

before(async () => {
  ns = await createTestNamespace('context')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'ctx', (cmd) => (cmd.taskId === 'breaks' ? { fail: { message: 'no', retryable: false } } : { succeed: 1 }))
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)

test('a run records the landings and upstream runs that started it, its version, and that it completed', async () => {
  await deploy(ns, { name: 'cdc', produces: ['orders_clean'], tasks: { sync: { queue: 'ctx' } } })
  await deploy(ns, { name: 'dbt', when: { sourcesLanded: ['orders_clean', 'fx_rates'], partition: 'date' }, tasks: { model: { queue: 'ctx' } } })
  const up = await waitForRun(ns, await trigger(ns, 'cdc', { partition: yesterday }))
  const id = newId()
  await publishJson(ns.js, ns.subjects.source('fx_rates'), id, { id, source: 'fx_rates', partition: yesterday, uri: 's3://fx/rates.csv' })
  const runId = await eventually(async () => (await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'dbt').executeTakeFirst())?.id, 'dbt run')
  await waitForRun(ns, runId)
  const run = (await getRunDetails(ns.db, runId))!
  assert.equal(run.context.trigger, 'readiness')
  assert.equal(run.context.completed, true)
  assert.equal(run.context.versionHash, run.versionHash)
  assert.deepEqual(run.context.landings.map((l) => l.source).sort(), ['fx_rates', 'orders_clean'])
  assert.equal(run.context.landings.find((l) => l.source === 'fx_rates')!.uri, 's3://fx/rates.csv')
  assert.deepEqual(run.context.upstreamRuns, [{ workflow: 'cdc', runId: up.id }])
})

test('freshness says complete, failed, stale or partial per workflow, with its SLA', async () => {
  await deploy(ns, { name: 'fresh_ok', sla: { finishBy: '6h' }, tasks: { t: { queue: 'ctx' } } })
  await deploy(ns, { name: 'fresh_failed', tasks: { breaks: { queue: 'ctx' } } })
  await deploy(ns, { name: 'fresh_stale', tasks: { t: { queue: 'ctx' } } })
  await deploy(ns, { name: 'fresh_partial', when: { sourcesLanded: ['a_feed', 'b_feed'] }, tasks: { t: { queue: 'ctx' } } })
  await waitForRun(ns, await trigger(ns, 'fresh_ok', { partition: yesterday }))
  await waitForRun(ns, await trigger(ns, 'fresh_failed', { partition: yesterday }))
  await waitForRun(ns, await trigger(ns, 'fresh_stale', { partition: '2020-01-01' }))
  const id = newId()
  await publishJson(ns.js, ns.subjects.source('a_feed'), id, { id, source: 'a_feed', partition: yesterday })
  await eventually(async () => ns.db.selectFrom('readiness').select('partition').where('workflow', '=', 'fresh_partial').executeTakeFirst(), 'partial readiness')
  const by = Object.fromEntries((await getFreshness(ns.db)).map((f) => [f.workflow, f]))
  assert.equal(by.fresh_ok!.state, 'complete')
  assert.equal(by.fresh_ok!.withinSla, true)
  assert.equal(by.fresh_ok!.lastSuccessPartition, yesterday)
  assert.equal(by.fresh_failed!.state, 'failed')
  assert.equal(by.fresh_stale!.state, 'stale')
  assert.equal(by.fresh_partial!.state, 'partial')
  assert.equal(by.fresh_partial!.latestPartition, yesterday)
})
