import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { setPool } from '@baton/shared'
import { sql } from 'kysely'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { coordinatorPair, type BatonProcess } from '../support/processes.js'
import { deploy, duplicateTransitions, executionsPerTask, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker } from '../support/scripted-worker.js'

// Pool limits across coordinator crashes: coordinators as real processes, SIGKILLed while a
// 2-slot pool is contended, replaced by new ones. The slots live in Postgres, so no restart may
// lose a release, double a grant or run a task twice.

let ns: TestNamespace
const procs: BatonProcess[] = []

before(async () => {
  ns = await createTestNamespace('pools_crash')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
  await assertNoLeaks()
})

test('two coordinators SIGKILLed in turn under a contended pool: the pool is never exceeded, every task runs once, no slot is left', async () => {
  await setPool(ns.db, { name: 'tight', slots: 2 }, 'test')
  await deploy(ns, { name: 'contended', tasks: Object.fromEntries(['a', 'b', 'c', 'd'].map((t) => [t, { pool: 'tight' }])) })
  const worker = await startScriptedWorker(ns, 'default', () => ({ succeed: null, delayMs: 40 }))
  let most = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const r = await sql<{ n: number }>`SELECT coalesce(sum(slots), 0)::int AS n FROM task_slot_holds WHERE group_key = 'pool:tight'`.execute(ns.db)
      most = Math.max(most, r.rows[0]!.n)
      await new Promise((res) => setTimeout(res, 10))
    }
  })()
  try {
    const pair = coordinatorPair(ns.env, procs)
    const ids = await Promise.all(Array.from({ length: 12 }, () => trigger(ns, 'contended')))
    const done = async () => Number((await ns.db.selectFrom('task_states').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n)
    // Kill a coordinator at 10, 20 and 30 finished tasks (of 48), each time starting a new one.
    await pair.killInTurn(done, [10, 20, 30])
    const runs = await Promise.all(ids.map((id) => waitForRun(ns, id, 120_000)))
    assert.ok(runs.every((r) => r.status === 'succeeded'), runs.map((r) => r.status).join(','))
    const perTask = executionsPerTask(worker.executions)
    assert.deepEqual(Object.values(perTask).filter((n) => n !== 1), [], 'every task ran exactly once')
    assert.equal(Object.keys(perTask).length, 48)
  } finally {
    sampling = false
    await sampler
    await worker.stop()
  }
  assert.ok(most <= 2, `held ${most} of 2 slots at most`)
  assert.equal(most, 2, 'the pool was used to its size')
  const left = await sql<{ holds: number; waits: number }>`SELECT (SELECT count(*) FROM task_slot_holds)::int AS holds, (SELECT count(*) FROM task_slot_waits)::int AS waits`.execute(ns.db)
  assert.deepEqual(left.rows[0], { holds: 0, waits: 0 })
  assert.deepEqual(await duplicateTransitions(ns.db), [])
})
