import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { coordinatorPair, type BatonProcess } from '../support/processes.js'
import { deploy, duplicateTransitions, executionsPerTask, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker } from '../support/scripted-worker.js'

// A 10,000-element map under coordinator crashes (issue 12): coordinators as real processes,
// SIGKILLed while the instances are being created and twice while they run with task
// concurrency 50. Instances are rows in Postgres and chunks are transactions, so no restart may
// lose an instance, run one twice or let more than 50 run at once.

const N = 10_000
const CONCURRENCY = 50
let ns: TestNamespace
const procs: BatonProcess[] = []

before(async () => {
  ns = await createTestNamespace('map_crash')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
  await assertNoLeaks()
})

const count = async (where: 'created' | 'succeeded'): Promise<number> => {
  const r =
    where === 'created'
      ? await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_states WHERE map_of = 'load'`.execute(ns.db)
      : await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_states WHERE map_of = 'load' AND status = 'succeeded'`.execute(ns.db)
  return r.rows[0]!.n
}

test(`a ${N}-element map with concurrency ${CONCURRENCY}, coordinators SIGKILLed mid-fan-out: each element processed exactly once, never more than ${CONCURRENCY} at once`, async () => {
  await deploy(ns, {
    name: 'bigmap',
    tasks: { list: {}, load: { map: { from: 'list', key: 'files' }, concurrency: CONCURRENCY }, total: { after: ['load'] } },
  })
  const files = Array.from({ length: N }, (_, i) => i)
  const elements = new Map<string, unknown>()
  const worker = await startScriptedWorker(ns, 'default', (cmd) => {
    if (cmd.taskId === 'list') return { succeed: { files } }
    if (cmd.map) {
      elements.set(cmd.taskId, cmd.map.element)
      return { succeed: { file: cmd.map.element }, delayMs: 2 }
    }
    return { succeed: { got: (cmd.inputs.load as unknown[]).length } }
  })
  let most = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_slot_holds WHERE group_key = 'task:bigmap/load'`.execute(ns.db)
      most = Math.max(most, r.rows[0]!.n)
      await new Promise((res) => setTimeout(res, 10))
    }
  })()
  try {
    const pair = coordinatorPair(ns.env, procs)
    const runId = await trigger(ns, 'bigmap')
    // Once while the instance rows are being created, then twice while they run.
    await pair.killInTurn(() => count('created'), [1])
    await pair.killInTurn(() => count('succeeded'), [2_500, 6_000])
    const run = await waitForRun(ns, runId, 240_000).catch(async (e: unknown) => {
      // What a stuck map looks like, for whoever reads the failure.
      const state = await sql`SELECT (SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM task_states WHERE map_of = 'load' GROUP BY status) s) AS instances,
        (SELECT jsonb_agg(jsonb_build_object('id', task_id, 'status', status, 'total', map_total, 'ok', map_succeeded, 'failed', map_failed)) FROM task_states WHERE map_of IS NULL) AS tasks,
        (SELECT count(*) FROM task_slot_holds) AS holds, (SELECT count(*) FROM task_slot_waits) AS waits, (SELECT jsonb_agg(jsonb_build_object('kind', kind, 'task', task_id)) FROM (SELECT * FROM timers LIMIT 5) t) AS timers,
        (SELECT count(*) FROM outbox) AS outbox`.execute(ns.db)
      throw new Error(`${String(e)}: ${JSON.stringify(state.rows[0])}`)
    })
    assert.equal(run.status, 'succeeded', JSON.stringify(run.tasks.map((t) => [t.id, t.status])))
    const perTask = executionsPerTask(worker.executions.filter((e) => e.taskId.startsWith('load[')))
    assert.equal(Object.keys(perTask).length, N, 'every element was processed')
    assert.deepEqual(Object.entries(perTask).filter(([, n]) => n !== 1), [], 'each exactly once')
    for (const [id, element] of elements) assert.equal(element, Number(/\[(\d+)\]/.exec(id)![1]), `${id} got its own element`)
    const total = worker.executions.filter((e) => e.taskId === 'total')
    assert.equal(total.length, 1)
    assert.equal((total[0]!.inputs.load as unknown[]).length, N, 'the downstream task received every output')
    assert.deepEqual((total[0]!.inputs.load as { file: number }[]).slice(0, 3), [{ file: 0 }, { file: 1 }, { file: 2 }])
  } finally {
    sampling = false
    await sampler
    await worker.stop()
  }
  assert.ok(most <= CONCURRENCY, `${most} instances held a slot at once`)
  const left = await sql<{ holds: number; waits: number }>`SELECT (SELECT count(*) FROM task_slot_holds)::int AS holds, (SELECT count(*) FROM task_slot_waits)::int AS waits`.execute(ns.db)
  assert.deepEqual(left.rows[0], { holds: 0, waits: 0 })
  assert.deepEqual(await duplicateTransitions(ns.db), [])
})
