import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { getRunDetails, newId, NonRetryableError, publishJson, ValidationError } from '@baton/shared'
import { startWorker, type Worker } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, duplicateTransitions, statuses, trigger, waitForRun } from '../support/runs.js'

// Dynamic fan-out end to end (issue 12, part 2): a real coordinator, a real SDK worker, real NATS
// and Postgres. The list comes from the run's params, so one workflow covers every shape.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Worker
/** Instance executions: `runId/taskId#attempt` with the index and element the handler saw. */
const seen: { runId: string; taskId: string; attempt: number; index: number | undefined; element: unknown }[] = []
/** Runs whose bad element was fixed: their failIndex instance succeeds from now on. */
const healed = new Set<string>()
/** Instances whose handler was aborted. */
const aborted: { runId: string; taskId: string }[] = []
/** What each sum task received, by run. */
const sums = new Map<string, unknown>()

before(async () => {
  ns = await createTestNamespace('map')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startWorker({
    queue: 'default',
    concurrency: 16,
    runners: true,
    config: ns.config,
    nc: ns.nc,
    handlers: {
      list: (ctx) => (ctx.params as { list: unknown }).list,
      square: (ctx) => {
        seen.push({ runId: ctx.runId, taskId: ctx.taskId, attempt: ctx.attempt, index: ctx.map?.index, element: ctx.map?.element })
        const p = ctx.params as { failIndex?: number; flakyIndex?: number }
        if (ctx.map?.index === p.failIndex && !healed.has(ctx.runId)) throw new NonRetryableError(`element ${ctx.map?.index} is bad`)
        if (ctx.map?.index === p.flakyIndex && ctx.attempt === 1) throw new Error('flaky once')
        const n = (ctx.map!.element as { n: number }).n
        return { square: n * n }
      },
      hold: (ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.push({ runId: ctx.runId, taskId: ctx.taskId })
            reject(ctx.signal.reason as Error)
          })
        }),
      sum: (ctx) => {
        sums.set(ctx.runId, ctx.inputs)
        return { ok: true }
      },
    },
  })
  const retry = { attempts: 2, backoff: '50ms' }
  await deploy(ns, {
    name: 'squares',
    tasks: {
      list: {},
      square: { map: { from: 'list', key: 'items' }, retry },
      sum: { after: ['square'] },
      always_sum: { after: ['square'], trigger: 'all_done', handler: 'sum' },
    },
  })
  await deploy(ns, { name: 'slow_map', tasks: { list: {}, hold: { map: { from: 'list', key: 'items' }, concurrency: 2 } } })
  await deploy(ns, { name: 'reduced', maxMapInstances: 50, tasks: { list: {}, square: { map: { from: 'list', key: 'items', reduce: true }, retry }, sum: { after: ['square'], trigger: 'all_done' } } })
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }))

describe('a mapped task runs once per element', () => {
  test('every instance sees its index and element; downstream gets the outputs as a list, in order', async () => {
    const runId = await trigger(ns, 'squares', { params: { list: { items: items(25) } } })
    const run = await waitForRun(ns, runId)
    const s = statuses(run)
    assert.deepEqual([s.list, s.square, s.sum, s.always_sum], ['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    const mine = seen.filter((e) => e.runId === runId)
    assert.equal(mine.length, 25)
    for (const e of mine) {
      assert.equal(e.taskId, `square[${e.index}]`)
      assert.deepEqual(e.element, { n: e.index })
    }
    assert.deepEqual(sums.get(runId), { square: items(25).map((i) => ({ square: i.n * i.n })) })
    assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
  })

  test('an instance retries on its own; one that fails after its retries fails the mapped task, and downstream follows its trigger rule', async () => {
    const runId = await trigger(ns, 'squares', { params: { list: { items: items(10) }, flakyIndex: 3, failIndex: 7 } })
    const run = await waitForRun(ns, runId)
    const s = statuses(run)
    assert.deepEqual([s.square, s.sum, s.always_sum], ['failed', 'upstream_failed', 'succeeded'])
    const mine = seen.filter((e) => e.runId === runId)
    assert.deepEqual(mine.filter((e) => e.index === 3).map((e) => e.attempt), [1, 2])
    assert.deepEqual(mine.filter((e) => e.index === 7).map((e) => e.attempt), [1])
    const list = (sums.get(runId) as { square: unknown[] }).square
    assert.equal(list.length, 10)
    assert.equal(list[7], null)
    assert.deepEqual(list[3], { square: 9 })
    const square = run.tasks.find((t) => t.id === 'square')!
    assert.match(String((square.error as { message: string }).message), /1 of 10 instances of square failed/)
  })

  test('zero elements: the mapped task is skipped, and the skip propagates', async () => {
    const run = await waitForRun(ns, await trigger(ns, 'squares', { params: { list: { items: [] } } }))
    const s = statuses(run)
    assert.deepEqual([s.square, s.sum, s.always_sum], ['skipped', 'skipped', 'succeeded'])
  })

  test('reduce: downstream gets the count and the failures, not every output', async () => {
    const runId = await trigger(ns, 'reduced', { params: { list: { items: items(12) }, failIndex: 5 } })
    await waitForRun(ns, runId)
    const got = (sums.get(runId) as { square: { count: number; succeeded: number; failed: number; failures: { index: number; error: { message: string } }[] } }).square
    assert.deepEqual([got.count, got.succeeded, got.failed], [12, 11, 1])
    assert.equal(got.failures[0]!.index, 5)
    assert.match(got.failures[0]!.error.message, /element 5 is bad/)
  })
})

describe('operators and runners', () => {
  test('retrying the run from its failure reruns only the failed instance; the others keep their outputs', async () => {
    const runId = await trigger(ns, 'squares', { params: { list: { items: items(8) }, failIndex: 5 } })
    assert.equal(statuses(await waitForRun(ns, runId)).square, 'failed')
    healed.add(runId)
    const id = newId()
    await publishJson(ns.js, ns.subjects.runActionRequested, id, { id, runId, action: 'retry', by: 'token:oncall', reason: 'fixed element 5' })
    await eventually(async () => (await getRunDetails(ns.db, runId))?.status === 'succeeded', 'the retried run to succeed')
    const mine = seen.filter((e) => e.runId === runId)
    assert.deepEqual(mine.filter((e) => e.index === 5).map((e) => e.attempt), [1, 2], 'the failed instance ran again as attempt 2')
    assert.deepEqual(mine.filter((e) => e.index !== 5).map((e) => e.index).sort(), [0, 1, 2, 3, 4, 6, 7], 'the others ran once')
    assert.deepEqual(sums.get(runId), { square: items(8).map((i) => ({ square: i.n * i.n })) })
    assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
  })

  test("a child run whose last task is mapped gives its parent that task's summary, not every output", async () => {
    await deploy(ns, { name: 'leaf_map', tasks: { list: {}, square: { map: { from: 'list', key: 'items' } } } })
    await deploy(ns, { name: 'parent_of_map', tasks: { sub: { run: { workflow: 'leaf_map', params: { list: { items: items(6) } } } }, after_sub: { after: ['sub'], handler: 'sum' } } })
    const runId = await trigger(ns, 'parent_of_map')
    assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
    const got = (sums.get(runId) as { sub: { status: string; outputs: Record<string, unknown> } }).sub
    assert.equal(got.status, 'succeeded')
    assert.deepEqual(got.outputs, { square: { count: 6, succeeded: 6, failed: 0, failures: [] } })
  })

  test('the sh runner gets BATON_MAP_INDEX and BATON_MAP_ELEMENT; a bare map: over a list output', async () => {
    await deploy(ns, {
      name: 'sh_map',
      tasks: {
        list: {},
        echo: { map: 'list', run: { sh: 'printf \'{"i": %s, "e": "%s"}\\n\' "$BATON_MAP_INDEX" "$BATON_MAP_ELEMENT"' } },
        sum: { after: ['echo'] },
      },
    })
    const runId = await trigger(ns, 'sh_map', { params: { list: ['a', 'b', 'c'] } })
    assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
    assert.deepEqual(sums.get(runId), { echo: [{ i: 0, e: 'a' }, { i: 1, e: 'b' }, { i: 2, e: 'c' }] })
  })
})

describe('a bad list fails the mapped task, naming the culprit', () => {
  const cases: [string, unknown, RegExp, string][] = [
    ['not a list', { items: 'abc' }, /'items' of the output of 'list': it is a string, not a list/, 'map_source_invalid'],
    ['no such field', { other: [] }, /the output has no field 'items'/, 'map_source_invalid'],
    ['not an object', [1, 2], /the output is an array, not an object with 'items'/, 'map_source_invalid'],
  ]
  for (const [name, list, message, kind] of cases) {
    test(name, async () => {
      const run = await waitForRun(ns, await trigger(ns, 'squares', { params: { list } }))
      const square = run.tasks.find((t) => t.id === 'square')!
      assert.equal(square.status, 'failed')
      assert.equal((square.error as { kind: string }).kind, kind)
      assert.match((square.error as { message: string }).message, message)
      assert.equal(statuses(run).sum, 'upstream_failed')
    })
  }
  test('over the cap (maxMapInstances)', async () => {
    const run = await waitForRun(ns, await trigger(ns, 'reduced', { params: { list: { items: items(51) } } }))
    const square = run.tasks.find((t) => t.id === 'square')!
    assert.equal((square.error as { kind: string }).kind, 'map_too_large')
    assert.match((square.error as { message: string }).message, /has 51 elements; a mapped task may have at most 50 instances \(maxMapInstances\)/)
    const rows = await sql<{ n: string }>`SELECT count(*) AS n FROM task_states WHERE map_of = 'square' AND run_id = ${run.id}`.execute(ns.db)
    assert.equal(Number(rows.rows[0]!.n), 0)
  })
})

describe('deploy refuses a map that cannot work', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['unknown source', { a: { map: 'nope' } }, /maps over unknown task 'nope'/],
    ['its own output', { a: { map: 'a' } }, /cannot map over its own output/],
    ['a mapped source', { l: {}, a: { map: 'l' }, b: { map: 'a' } }, /maps over 'a', which is itself mapped/],
    ['an approval', { l: {}, a: { map: 'l', kind: 'approval' } }, /an approval task cannot be mapped/],
  ]
  for (const [name, tasks, reason] of bad) {
    test(name, async () => {
      await assert.rejects(deploy(ns, { name: 'bad_map', tasks } as never), (e: unknown) => e instanceof ValidationError && e.issues.some((i) => reason.test(i.reason)))
    })
  }
})

describe('stopping a mapped task stops its instances', () => {
  test('marking the mapped task succeeded cancels its live instances and the run goes on', async () => {
    const runId = await trigger(ns, 'slow_map', { params: { list: { items: items(30) } } })
    await eventually(async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM task_states WHERE run_id = ${runId} AND map_of = 'hold' AND status = 'running'`.execute(ns.db)).rows[0]!.n) === 2, 'two instances to run')
    const id = newId()
    await publishJson(ns.js, ns.subjects.runActionRequested, id, { id, runId, action: 'mark', taskId: 'hold', status: 'succeeded', by: 'token:oncall', reason: 'loaded by hand' })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'succeeded')
    const byStatus = await sql<{ status: string; n: string }>`SELECT status, count(*) AS n FROM task_states WHERE run_id = ${runId} AND map_of = 'hold' GROUP BY status`.execute(ns.db)
    assert.deepEqual(Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)])), { cancelled: 30 })
    await eventually(() => aborted.filter((a) => a.runId === runId).length === 2, 'both running attempts to be aborted')
    const slots = await sql<{ n: string }>`SELECT (SELECT count(*) FROM task_slot_holds WHERE run_id = ${runId}) + (SELECT count(*) FROM task_slot_waits WHERE run_id = ${runId}) AS n`.execute(ns.db)
    assert.equal(Number(slots.rows[0]!.n), 0)
  })
})

describe('cancelling a run cancels its instances', () => {
  test('every live instance ends cancelled, its running attempts are aborted and every slot is released', async () => {
    const runId = await trigger(ns, 'slow_map', { params: { list: { items: items(40) } } })
    await eventually(async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM task_states WHERE run_id = ${runId} AND map_of = 'hold' AND status = 'running'`.execute(ns.db)).rows[0]!.n) === 2, 'two instances to run')
    const id = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId, reason: 'not today' })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'cancelled')
    const byStatus = await sql<{ status: string; n: string }>`SELECT status, count(*) AS n FROM task_states WHERE run_id = ${runId} AND map_of = 'hold' GROUP BY status`.execute(ns.db)
    assert.deepEqual(Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)])), { cancelled: 40 })
    await eventually(() => aborted.filter((a) => a.runId === runId).length === 2, 'both running attempts to be aborted')
    const slots = await sql<{ n: string }>`SELECT (SELECT count(*) FROM task_slot_holds WHERE run_id = ${runId}) + (SELECT count(*) FROM task_slot_waits WHERE run_id = ${runId}) AS n`.execute(ns.db)
    assert.equal(Number(slots.rows[0]!.n), 0)
    assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
  })
})
