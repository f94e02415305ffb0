import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { coordinatorPair, type BatonProcess } from '../support/processes.js'
import { deploy, duplicateTransitions, executionsPerTask, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker } from '../support/scripted-worker.js'

// Sub-workflows across coordinator crashes: the child's start, its end and the parent's result
// are outbox messages committed with the state that caused them, so coordinators SIGKILLed at
// any moment (and replaced) leave every parent with exactly one child run and every task run once.

let ns: TestNamespace
const procs: BatonProcess[] = []

before(async () => {
  ns = await createTestNamespace('subwf_crash')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
  await assertNoLeaks()
})

test('coordinators SIGKILLed in turn while parents wait for children: one child per parent, every task once, every parent succeeds', async () => {
  await deploy(ns, { name: 'child', tasks: { c1: {}, c2: { after: ['c1'] } } })
  await deploy(ns, { name: 'parent', tasks: { p1: {}, sub: { after: ['p1'], run: { workflow: 'child' } }, p2: { after: ['sub'] } } })
  const worker = await startScriptedWorker(ns, 'default', () => ({ succeed: { ok: true }, delayMs: 30 }))
  try {
    const pair = coordinatorPair(ns.env, procs)
    const ids = await Promise.all(Array.from({ length: 12 }, () => trigger(ns, 'parent')))
    const done = async () => Number((await ns.db.selectFrom('task_states').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n)
    // 12 parents x 3 tasks + 12 children x 2 tasks = 60 tasks: kill at 10, 25 and 40.
    await pair.killInTurn(done, [10, 25, 40])
    const parents = await Promise.all(ids.map((id) => waitForRun(ns, id, 120_000)))
    assert.ok(parents.every((r) => r.status === 'succeeded'), parents.map((r) => r.status).join(','))
    for (const p of parents) {
      assert.equal(p.children.length, 1, `parent ${p.id} has one child`)
      assert.equal(p.children[0]!.status, 'succeeded')
    }
    const perTask = executionsPerTask(worker.executions)
    assert.equal(Object.keys(perTask).length, 12 * 2 + 12 * 2, 'p1, p2 and the children c1, c2 ran (sub takes no worker)')
    assert.deepEqual(Object.values(perTask).filter((n) => n !== 1), [], 'every task ran exactly once')
    assert.deepEqual(await duplicateTransitions(ns.db), [])
  } finally {
    await worker.stop()
  }
})
