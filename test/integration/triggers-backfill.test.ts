import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { getBackfillStatus, newId, publishJson } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, executionsPerTask, mostRunningAtOnce } from '../support/runs.js'
import { startCoordinatorProcess, type BatonProcess } from '../support/processes.js'

// Backfills with real coordinator processes: bounded concurrency, SIGKILL in the middle,
// idempotent re-runs, cancellation.

let ns: TestNamespace
const procs: BatonProcess[] = []
function coordinator(): BatonProcess {
  return startCoordinatorProcess(ns.env, procs)
}

before(async () => {
  ns = await createTestNamespace('backfill')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
  await assertNoLeaks()
})

async function requestBackfill(workflow: string, from: string, to: string, concurrency: number, rerun = 'missing'): Promise<string> {
  const id = newId()
  await publishJson(ns.js, ns.subjects.backfillRequested, id, { id, workflow, from, to, concurrency, rerun })
  await eventually(async () => getBackfillStatus(ns.db, id), 'backfill created')
  return id
}

test('a 30-partition backfill with concurrency 3 never runs more than 3 at once and survives a coordinator SIGKILL', async (t) => {
  await deploy(ns, { name: 'bf', tasks: { load: { queue: 'bf' } } })
  const worker = await startScriptedWorker(ns, 'bf', () => ({ succeed: { ok: true }, delayMs: 150 }))
  t.after(() => worker.stop())
  const first = coordinator()
  const id = await requestBackfill('bf', '2026-01-01', '2026-01-30', 3)
  await eventually(async () => ((await getBackfillStatus(ns.db, id))!.runs.succeeded >= 8 ? true : undefined), 'some partitions done', 60_000)
  await first.kill('SIGKILL')
  assert.ok((await getBackfillStatus(ns.db, id))!.runs.succeeded < 30, 'killed mid-backfill')
  coordinator()
  const done = await eventually(async () => {
    const s = (await getBackfillStatus(ns.db, id))!
    return s.status !== 'running' ? s : undefined
  }, 'backfill finished', 120_000)
  assert.equal(done.status, 'succeeded')
  assert.equal(done.runs.succeeded, 30)
  // Every run went running → succeeded once; the limit was reached (the first admission fills
  // all three slots) and never passed, across the kill.
  assert.deepEqual(await mostRunningAtOnce(ns.db, id), { most: 3, runs: 30 })
  const partitions = await ns.db.selectFrom('runs').select(['id', 'partition']).where('backfill_id', '=', id).execute()
  assert.equal(new Set(partitions.map((p) => p.partition)).size, 30, 'one run per partition')
  assert.deepEqual(executionsPerTask(worker.executions), Object.fromEntries(partitions.map((p) => [`${p.id}/load`, 1])), 'each partition executed once')

  // The same backfill again creates nothing for partitions already done; --rerun all does.
  const again = await requestBackfill('bf', '2026-01-01', '2026-01-30', 3)
  const s = (await getBackfillStatus(ns.db, again))!
  assert.equal(s.runs.total, 0)
  assert.equal(s.skipped, 30)
  assert.equal(s.status, 'succeeded')
  const all = await requestBackfill('bf', '2026-01-01', '2026-01-03', 3, 'all')
  assert.equal((await getBackfillStatus(ns.db, all))!.runs.total, 3)
  await eventually(async () => ((await getBackfillStatus(ns.db, all))!.status === 'succeeded' ? true : undefined), 'rerun all done')
})

test('a cancelled backfill cancels its waiting and running runs; a reversed or too large range is rejected', async (t) => {
  await deploy(ns, { name: 'bf_cancel', tasks: { slow: { queue: 'bf_hang' } } })
  const worker = await startScriptedWorker(ns, 'bf_hang', () => ({ hang: true }))
  t.after(() => worker.stop())
  if (procs.every((p) => p.child.exitCode !== null)) coordinator()
  const id = await requestBackfill('bf_cancel', '2026-02-01', '2026-02-10', 2)
  await eventually(async () => ((await getBackfillStatus(ns.db, id))!.runs.running === 2 ? true : undefined), 'two running')
  const cid = newId()
  await publishJson(ns.js, ns.subjects.backfillCancelRequested, cid, { id: cid, backfillId: id, reason: 'test' })
  const s = await eventually(async () => {
    const x = (await getBackfillStatus(ns.db, id))!
    return x.status !== 'running' ? x : undefined
  }, 'backfill cancelled')
  assert.equal(s.status, 'cancelled')
  assert.equal(s.runs.cancelled, 10)

  const bad = [newId(), newId()]
  await publishJson(ns.js, ns.subjects.backfillRequested, bad[0]!, { id: bad[0], workflow: 'bf_cancel', from: '2026-02-10', to: '2026-02-01', concurrency: 1 })
  await publishJson(ns.js, ns.subjects.backfillRequested, bad[1]!, { id: bad[1], workflow: 'bf_cancel', from: '2000-01-01', to: '2026-01-01', concurrency: 1 })
  const reasons = await eventually(async () => {
    const rows = await ns.db.selectFrom('dead_letters').select(['msg_id', 'reason']).where('msg_id', 'in', bad).execute()
    return rows.length === 2 ? Object.fromEntries(rows.map((r) => [r.msg_id, r.reason])) : undefined
  }, 'both rejected')
  assert.deepEqual(reasons, {
    [bad[0]!]: 'reversed range: from "2026-02-10" is after to "2026-02-01"',
    [bad[1]!]: `range "2000-01-01".."2026-01-01" spans 9498 date partitions, more than the limit of ${ns.config.backfillMaxPartitions}`,
  })
})
