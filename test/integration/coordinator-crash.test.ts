import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, duplicateTransitions, trigger, waitForRun } from '../support/runs.js'
import { startCoordinatorProcess, type BatonProcess } from '../support/processes.js'

// Coordinators as real processes: SIGKILL mid-run, restart, and two coordinators sharing work.

let ns: TestNamespace
const procs: BatonProcess[] = []

function coordinator(): BatonProcess {
  return startCoordinatorProcess(ns.env, procs)
}

before(async () => {
  ns = await createTestNamespace('crash')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
})

test('a coordinator killed with SIGKILL mid-run is restarted and finishes the run with no task executed twice', async () => {
  const tasks: Record<string, { after?: string[]; queue: string }> = {}
  for (let i = 0; i < 40; i++) tasks[`t${i}`] = { queue: 'chain', ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }
  await deploy(ns, { name: 'chain', tasks })
  const worker = await startScriptedWorker(ns, 'chain', () => ({ succeed: { ok: true }, delayMs: 20 }))
  const first = coordinator()
  const runId = await trigger(ns, 'chain')
  await eventually(async () => {
    const r = await ns.db.selectFrom('runs').select('tasks_terminal').where('id', '=', runId).executeTakeFirst()
    return (r?.tasks_terminal ?? 0) >= 10
  }, 'ten tasks done')
  await first.kill('SIGKILL')
  const killedAt = (await ns.db.selectFrom('runs').select('tasks_terminal').where('id', '=', runId).executeTakeFirstOrThrow()).tasks_terminal
  assert.ok(killedAt < 40, 'killed mid-run')
  coordinator()
  const run = await waitForRun(ns, runId, 60_000)
  assert.equal(run.status, 'succeeded')
  assert.ok(run.tasks.every((t) => t.status === 'succeeded' && t.attempts === 1))
  const executed = worker.executions.filter((e) => e.runId === runId).map((e) => `${e.taskId}/${e.attempt}`)
  assert.equal(executed.length, 40, 'each task executed exactly once')
  assert.equal(new Set(executed).size, 40)
  assert.deepEqual(await duplicateTransitions(ns.db), [])
  await worker.stop()
})

test('two coordinators on one namespace finish 200 runs with no duplicate transition', async () => {
  await deploy(ns, { name: 'pair', tasks: { a: { queue: 'pair' }, b: { after: ['a'], queue: 'pair' }, c: { after: ['a'], queue: 'pair' }, d: { after: ['b', 'c'], queue: 'pair' } } })
  const worker = await startScriptedWorker(ns, 'pair', () => ({ succeed: null }))
  coordinator()
  coordinator()
  const ids = await Promise.all(Array.from({ length: 200 }, () => trigger(ns, 'pair')))
  await eventually(async () => {
    const r = await ns.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow', '=', 'pair').where('status', '=', 'succeeded').executeTakeFirst()
    return Number(r?.n) === 200
  }, '200 runs to succeed', 120_000)
  assert.equal(new Set(ids).size, 200)
  assert.deepEqual(await duplicateTransitions(ns.db), [])
  const executions = worker.executions.filter((e) => ids.includes(e.runId))
  assert.equal(executions.length, 800, 'every task of every run executed exactly once')
  await worker.stop()
})
