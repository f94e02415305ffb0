import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertNoLeaks } from '../support/leak-check.js'
import { scrapeMetrics } from '../support/metrics-scrape.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, duplicateTransitions, trigger, waitForRun } from '../support/runs.js'
import { startCoordinatorProcess, type BatonProcess } from '../support/processes.js'

// Coordinators as real processes: SIGKILL mid-run, restart, and two coordinators sharing work.

let ns: TestNamespace
const procs: BatonProcess[] = []

function coordinator(env: Record<string, string> = {}): BatonProcess {
  return startCoordinatorProcess({ ...ns.env, ...env }, procs)
}

/** SIGTERM, and the exit code (or signal name). */
async function terminate(p: BatonProcess): Promise<number | string> {
  p.child.kill('SIGTERM')
  return p.exited
}

before(async () => {
  ns = await createTestNamespace('crash')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
  await assertNoLeaks()
})

test('a coordinator killed with SIGKILL mid-run is restarted and finishes the run with no task executed twice', async (t) => {
  const tasks: Record<string, { after?: string[]; queue: string }> = {}
  for (let i = 0; i < 40; i++) tasks[`t${i}`] = { queue: 'chain', ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }
  await deploy(ns, { name: 'chain', tasks })
  const worker = await startScriptedWorker(ns, 'chain', () => ({ succeed: { ok: true }, delayMs: 20 }))
  t.after(async () => {
    await worker.stop()
    // The next test runs exactly two coordinators: none of this one's may stay.
    for (const p of procs.splice(0)) await p.kill()
  })
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
})

test('two coordinators on one namespace finish 200 runs with no duplicate transition', async (t) => {
  await deploy(ns, { name: 'pair', tasks: { a: { queue: 'pair' }, b: { after: ['a'], queue: 'pair' }, c: { after: ['a'], queue: 'pair' }, d: { after: ['b', 'c'], queue: 'pair' } } })
  const worker = await startScriptedWorker(ns, 'pair', () => ({ succeed: null }))
  t.after(() => worker.stop())
  // Each coordinator serves its own metrics: its own count of the batches it committed.
  const ports = [await freePort(), await freePort()]
  const pair = ports.map((port) => coordinator({ BATON_LOG_LEVEL: 'info', BATON_METRICS_PORT: String(port) }))
  for (const p of pair) {
    await eventually(() => p.output().includes('"msg":"coordinator started"') || p.child.exitCode !== null, 'both coordinators to start', 60_000)
    assert.match(p.output(), /"msg":"coordinator started"/, `a coordinator did not start:\n${p.output()}`)
  }
  const ids = await Promise.all(Array.from({ length: 200 }, () => trigger(ns, 'pair')))
  await eventually(async () => {
    const r = await ns.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow', '=', 'pair').where('status', '=', 'succeeded').executeTakeFirst()
    return Number(r?.n) === 200
  }, '200 runs to succeed', 120_000)
  assert.equal(new Set(ids).size, 200)
  assert.deepEqual(await duplicateTransitions(ns.db), [])
  const executions = worker.executions.filter((e) => ids.includes(e.runId))
  assert.equal(executions.length, 800, 'every task of every run executed exactly once')
  assert.equal(new Set(executions.map((e) => `${e.runId}/${e.taskId}`)).size, 800)

  // Both applied the work: each committed event batches and task transitions of these runs, and
  // together they account for every transition the history records, each once. (Counters are
  // recorded just after commit and publish: wait for the last batch to be counted.)
  const history = await ns.db.selectFrom('history').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'transition').where('run_id', 'in', ids).executeTakeFirstOrThrow()
  const perCoordinator = await eventually(async () => {
    const scrapes = await Promise.all(ports.map((port) => scrapeMetrics(`http://127.0.0.1:${port}/metrics`)))
    const counts = scrapes.map((m) => ({ batches: m.get('baton_event_batch_size_count'), transitions: m.get('baton_task_transitions_total', { workflow: 'pair' }) }))
    return counts[0]!.transitions + counts[1]!.transitions === Number(history.n) ? counts : undefined
  }, 'the coordinators to count every transition in the history')
  for (const [i, c] of perCoordinator.entries()) {
    assert.ok(c.batches > 0 && c.transitions > 0, `coordinator ${i + 1} applied batches of these runs: ${JSON.stringify(perCoordinator)}`)
  }
  // Neither died along the way, and each stops cleanly.
  for (const p of pair) assert.deepEqual([p.child.exitCode, p.child.signalCode], [null, null], `a coordinator exited during the test:\n${p.output()}`)
  assert.deepEqual(await Promise.all(pair.map(terminate)), [0, 0], pair.map((p) => p.output()).join('\n'))
})
