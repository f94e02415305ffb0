import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { deletePool, getRunDetails, listPools, setPool, ValidationError, type TaskCommand } from '@baton/shared'
import { startWorker, type Worker } from '@baton/worker'
import { sql } from 'kysely'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker, type ScriptedAction } from '../support/scripted-worker.js'

// Pools, task concurrency and priorities (issue 12, part 3) against three real coordinators,
// NATS and Postgres. The limits are checked where they live: the slot holds in Postgres, sampled
// throughout, and the executions the worker saw.

let ns: TestNamespace
const coordinators: Coordinator[] = []
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
let gate: Worker
/** Gate tasks (queue `gate`) block until the test opens them. */
let openGate: () => void = () => {}
let gateOpen = new Promise<void>((r) => (openGate = r))

/** The scripted worker: `hang*` tasks die on their first attempt (heartbeat timeout, then retry). */
let script: (cmd: TaskCommand) => ScriptedAction = () => ({ succeed: null, delayMs: 20 })

before(async () => {
  ns = await createTestNamespace('pools')
  for (let i = 0; i < 3; i++) coordinators.push(await startCoordinator({ config: ns.config, timerIntervalMs: 50, admissionIntervalMs: 100 }))
  worker = await startScriptedWorker(ns, 'default', (cmd) => script(cmd))
  gate = await startWorker({ queue: 'gate', concurrency: 10, config: ns.config, nc: ns.nc, handlers: { block: async () => gateOpen } })
})
after(async () => {
  await worker.stop()
  await gate.stop()
  for (const c of coordinators) await c.stop()
  await ns.close()
  await assertNoLeaks()
})

/** Samples the slots held per group every 10 ms until stopped; returns the most seen per group. */
function sampleHolds(): { stop(): Promise<Map<string, number>> } {
  const most = new Map<string, number>()
  let running = true
  const loop = (async () => {
    while (running) {
      const rows = await sql<{ group_key: string; n: number }>`SELECT group_key, sum(slots)::int AS n FROM task_slot_holds GROUP BY group_key`.execute(ns.db)
      for (const r of rows.rows) most.set(r.group_key, Math.max(most.get(r.group_key) ?? 0, r.n))
      await new Promise((r) => setTimeout(r, 10))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return most
    },
  }
}

/** Most executions of the given tasks overlapping at any instant, from the worker's record. */
function mostAtOnce(runIds: readonly string[], taskFilter: (taskId: string) => boolean = () => true): number {
  const spans = worker.executions.filter((e) => runIds.includes(e.runId) && taskFilter(e.taskId) && e.finishedAt !== undefined)
  const edges = spans.flatMap((e) => [[e.receivedAt, 1] as const, [e.finishedAt!, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let most = 0
  for (const [, d] of edges) most = Math.max(most, (now += d))
  return most
}

async function slotRows(): Promise<{ holds: number; waits: number }> {
  const r = await sql<{ holds: number; waits: number }>`SELECT (SELECT count(*) FROM task_slot_holds)::int AS holds, (SELECT count(*) FROM task_slot_waits)::int AS waits`.execute(ns.db)
  return r.rows[0]!
}

describe('limits', () => {
  test('a pool shared by two workflows is never exceeded under three coordinators with workers dying, and every slot is released', async () => {
    await setPool(ns.db, { name: 'warehouse', slots: 3 }, 'test')
    // Tasks named hang_* die on their first attempt: started, then silence until the heartbeat timeout.
    script = (cmd) => (cmd.taskId.includes('hang') && cmd.attempt === 1 ? { hang: true } : { succeed: { t: cmd.taskId }, delayMs: 15 + (cmd.taskId.length % 4) * 10 })
    const tasks = (prefix: string) =>
      Object.fromEntries(
        ['a', 'b', 'hang_c', 'd', 'e'].map((t) => [`${prefix}_${t}`, { pool: 'warehouse', retry: { attempts: 3, backoff: '100ms' }, timeout: { heartbeat: '1s' } }]),
      )
    await deploy(ns, { name: 'orders', tasks: tasks('o') })
    await deploy(ns, { name: 'clicks', tasks: { ...tasks('c'), c_big: { pool: 'warehouse', slots: 2 } } })
    const sampler = sampleHolds()
    const ids = [...(await Promise.all(Array.from({ length: 6 }, () => trigger(ns, 'orders')))), ...(await Promise.all(Array.from({ length: 6 }, () => trigger(ns, 'clicks'))))]
    const runs = await Promise.all(ids.map((id) => waitForRun(ns, id, 90_000)))
    const most = await sampler.stop()
    assert.ok(runs.every((r) => r.status === 'succeeded'), runs.map((r) => `${r.workflow} ${r.status}`).join(', '))
    assert.ok((most.get('pool:warehouse') ?? 0) <= 3, `held at most ${most.get('pool:warehouse')} of 3 slots`)
    assert.equal(most.get('pool:warehouse'), 3, 'the pool was used to its size')
    assert.ok(mostAtOnce(ids) <= 3, `${mostAtOnce(ids)} executions at once`)
    // Every hang_* task died once and ran again: its slot came back each time.
    for (const r of runs) for (const t of r.tasks.filter((t) => t.id.includes('hang'))) assert.equal(t.attempts, 2)
    assert.deepEqual(await slotRows(), { holds: 0, waits: 0 })
  })

  test("a task's concurrency holds across runs", async () => {
    script = () => ({ succeed: null, delayMs: 40 })
    await deploy(ns, { name: 'loads', tasks: { extract: {}, load: { after: ['extract'], concurrency: 2 } } })
    const sampler = sampleHolds()
    const ids = await Promise.all(Array.from({ length: 8 }, () => trigger(ns, 'loads')))
    await Promise.all(ids.map((id) => waitForRun(ns, id, 60_000)))
    const most = await sampler.stop()
    assert.equal(most.get('task:loads/load'), 2)
    assert.ok(mostAtOnce(ids, (t) => t === 'load') <= 2)
    assert.ok(mostAtOnce(ids, (t) => t === 'extract') > 2, 'extract has no limit')
    assert.deepEqual(await slotRows(), { holds: 0, waits: 0 })
  })
})

/** Holds `pool` with a gate task until `release` is called; resolves once it holds the slots. */
async function blockPool(pool: string, slots: number): Promise<{ runId: string; release(): Promise<void> }> {
  gateOpen = new Promise<void>((r) => (openGate = r))
  await deploy(ns, { name: `block_${pool}`, tasks: { block: { queue: 'gate', pool, slots } } })
  const runId = await trigger(ns, `block_${pool}`)
  await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).executeTakeFirst())?.status === 'running', 'the blocker to run')
  return {
    runId,
    async release() {
      openGate()
      await waitForRun(ns, runId)
    },
  }
}

async function waitsIn(group: string): Promise<number> {
  return Number((await ns.db.selectFrom('task_slot_waits').select((eb) => eb.fn.countAll<string>().as('n')).where('group_key', '=', group).executeTakeFirstOrThrow()).n)
}

describe('order when a pool binds', () => {
  test('higher priority goes first, whatever the order it came in', async () => {
    await setPool(ns.db, { name: 'narrow', slots: 1 }, 'test')
    script = () => ({ succeed: null, delayMs: 10 })
    await deploy(ns, { name: 'low', priority: 1, tasks: { work: { pool: 'narrow' } } })
    await deploy(ns, { name: 'high', tasks: { work: { pool: 'narrow', priority: 5 } } })
    const blocker = await blockPool('narrow', 1)
    const low = await Promise.all(Array.from({ length: 3 }, () => trigger(ns, 'low')))
    await eventually(async () => (await waitsIn('pool:narrow')) === 3, 'the low-priority tasks to wait')
    const high = await Promise.all(Array.from({ length: 3 }, () => trigger(ns, 'high')))
    await eventually(async () => (await waitsIn('pool:narrow')) === 6, 'all six to wait')
    await blocker.release()
    await Promise.all([...low, ...high].map((id) => waitForRun(ns, id)))
    const order = worker.executions.filter((e) => [...low, ...high].includes(e.runId)).sort((a, b) => a.receivedAt - b.receivedAt).map((e) => (high.includes(e.runId) ? 'high' : 'low'))
    assert.deepEqual(order, ['high', 'high', 'high', 'low', 'low', 'low'])
  })

  // The stated tolerance: the exact share of 12 is 6 (1:1) and 9 (3:1). A round of admission
  // passes over a run that a batch holds at that instant (SKIP LOCKED: admission never waits on
  // a batch), and the slot then goes to the other owner, so a share is held within ±1 (1:1) and
  // ±2 (3:1, where team_b's one run is busier). Seen: 7 of 12 once in 4 full suite runs.
  for (const [weights, expectB] of [
    [{}, [5, 7]],
    [{ team_b: 3 }, [7, 11]],
  ] as const) {
    test(`fair share with weights ${JSON.stringify(weights)}: team_b gets ${expectB[0]}-${expectB[1]} of the first 12 slots though team_a queued first`, async () => {
      const pool = `fair${Object.keys(weights).length}`
      await setPool(ns.db, { name: pool, slots: 4, fairShare: true, weights }, 'test')
      script = () => ({ succeed: null, delayMs: 15 })
      const wide = (owner: string) => ({ name: `${owner}_${pool}`, owner, tasks: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`t${i}`, { pool }])) })
      await deploy(ns, wide('team_a'))
      await deploy(ns, wide('team_b'))
      const blocker = await blockPool(pool, 4)
      const a = await trigger(ns, `team_a_${pool}`)
      await eventually(async () => (await waitsIn(`pool:${pool}`)) === 12, "team_a's tasks to wait")
      const b = await trigger(ns, `team_b_${pool}`)
      await eventually(async () => (await waitsIn(`pool:${pool}`)) === 24, "team_b's tasks to wait")
      await blocker.release()
      await Promise.all([a, b].map((id) => waitForRun(ns, id)))
      const first12 = worker.executions.filter((e) => e.runId === a || e.runId === b).sort((x, y) => x.receivedAt - y.receivedAt).slice(0, 12)
      const nB = first12.filter((e) => e.runId === b).length
      assert.ok(nB >= expectB[0] && nB <= expectB[1], `team_b got ${nB} of the first 12`)
    })
  }
})

describe('release on every path', () => {
  test('cancelling a run releases the slot it holds and its waiting tasks never start', async () => {
    await setPool(ns.db, { name: 'single', slots: 1 }, 'test')
    const blocker = await blockPool('single', 1)
    await deploy(ns, { name: 'waiting', tasks: { w1: { pool: 'single' }, w2: { pool: 'single' } } })
    const waiting = await trigger(ns, 'waiting')
    await eventually(async () => (await waitsIn('pool:single')) === 2, 'both to wait')
    // Queued, and saying what for: the pool's use and the place in its line.
    const details = (await getRunDetails(ns.db, waiting))!
    assert.deepEqual(details.tasks.map((t) => [t.id, t.status, t.waitingFor]), [
      ['w1', 'queued', 'pool single full 1/1, 2 waiting, position 1'],
      ['w2', 'queued', 'pool single full 1/1, 2 waiting, position 2'],
    ])
    // Cancel the waiting run, then the blocker (holding the slot): once the slot is free nothing
    // of the cancelled run may take it. (The other order is a race the waiting run may win.)
    const { publishJson } = await import('@baton/shared')
    const cancel = async (id: string) => {
      const reqId = crypto.randomUUID()
      await publishJson(ns.js, ns.subjects.runCancelRequested, reqId, { id: reqId, runId: id, reason: 'test' })
    }
    await cancel(waiting)
    await waitForRun(ns, waiting)
    assert.equal(await waitsIn('pool:single'), 0, 'the cancel released the waits')
    await cancel(blocker.runId)
    await eventually(async () => (await ns.db.selectFrom('runs').select('status').where('id', '=', blocker.runId).executeTakeFirst())?.status === 'cancelled', 'the blocker to be cancelled')
    openGate()
    assert.deepEqual(await slotRows(), { holds: 0, waits: 0 })
    assert.equal(worker.executions.filter((e) => e.runId === waiting).length, 0)
  })
})

describe('maxActiveRuns', () => {
  test('a workflow with maxActiveRuns: 2 runs at most 2 of its manually triggered runs at once; the others wait queued and start in turn', async () => {
    gateOpen = new Promise<void>((r) => (openGate = r))
    await deploy(ns, { name: 'two_at_once', maxActiveRuns: 2, tasks: { step: { queue: 'gate', handler: 'block' } } })
    const ids = await Promise.all(Array.from({ length: 5 }, () => trigger(ns, 'two_at_once')))
    // Counts by status, in status order: rows come back in no set order, and an update moves one.
    const byStatus = async () => {
      const rows = await ns.db.selectFrom('runs').select('status').where('id', 'in', ids).orderBy('status').execute()
      return rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {})
    }
    await eventually(async () => {
      assert.deepEqual(await byStatus(), { queued: 3, running: 2 })
      return true
    }, 'two running, three queued')
    openGate()
    const runs = await Promise.all(ids.map((id) => waitForRun(ns, id)))
    assert.ok(runs.every((r) => r.status === 'succeeded'))
    await assert.rejects(
      deploy(ns, { name: 'twice', maxActiveRuns: 1, schedule: { cron: '@daily', maxActiveRuns: 2 }, tasks: { a: {} } }),
      (e: unknown) => e instanceof ValidationError && e.issues.some((i) => i.path === 'maxActiveRuns' && /set maxActiveRuns once/.test(i.reason)),
    )
  })
})

describe('release on failure and timeout', () => {
  test('a failed attempt and a timed-out attempt each give their slot back; the retry waits for one again', async () => {
    await setPool(ns.db, { name: 'paths', slots: 1 }, 'test')
    // fail_once fails its first attempt; slow_once outlives its 1 s execution timeout once.
    script = (cmd) =>
      cmd.taskId === 'fail_once' && cmd.attempt === 1
        ? { fail: { message: 'first attempt fails', retryable: true } }
        : cmd.taskId === 'slow_once' && cmd.attempt === 1
          ? { succeed: null, delayMs: 3000 }
          : { succeed: null, delayMs: 10 }
    const sampler = sampleHolds()
    await deploy(ns, {
      name: 'paths',
      tasks: {
        fail_once: { pool: 'paths', retry: { attempts: 2, backoff: '100ms' } },
        slow_once: { pool: 'paths', retry: { attempts: 2, backoff: '100ms' }, timeout: '1s' },
        after_both: { pool: 'paths', after: ['fail_once', 'slow_once'] },
      },
    })
    const run = await waitForRun(ns, await trigger(ns, 'paths'), 60_000)
    const most = await sampler.stop()
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(run.tasks.map((t) => [t.id, t.attempts]).sort(), [['after_both', 1], ['fail_once', 2], ['slow_once', 2]])
    assert.equal(most.get('pool:paths'), 1, 'one slot, never more')
    assert.deepEqual(await slotRows(), { holds: 0, waits: 0 })
  })
})

describe('bad input', () => {
  test('deploy refuses a pool that does not exist and a task asking for more slots than the pool has', async () => {
    await setPool(ns.db, { name: 'small', slots: 2 }, 'test')
    await assert.rejects(
      deploy(ns, { name: 'bad_pool', tasks: { a: { pool: 'nosuch' }, b: { pool: 'small', slots: 3 } } }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.issues.some((i) => i.path === 'tasks.a.pool' && /pool 'nosuch' does not exist/.test(i.reason)) &&
        e.issues.some((i) => i.path === 'tasks.b.slots' && /asks for 3 slots of pool 'small', which has 2/.test(i.reason)),
    )
    await assert.rejects(deploy(ns, { name: 'bad_slots', tasks: { a: { slots: 2 } } }), (e: unknown) => e instanceof ValidationError && e.issues.some((i) => i.path === 'tasks.a.slots' && /without a pool/.test(i.reason)))
  })

  test('a definition may declare its pools: deploy creates a missing one, and refuses one that exists with another size', async () => {
    await deploy(ns, { name: 'declares_wh', pools: { declared_wh: { slots: 3, description: 'the warehouse' } }, tasks: { a: { pool: 'declared_wh' } } })
    const wh = (await listPools(ns.db)).find((p) => p.name === 'declared_wh')!
    assert.deepEqual([wh.slots, wh.fairShare, wh.description], [3, false, 'the warehouse'])
    assert.match(wh.updatedBy, /^deploy of declares_wh by /)
    // Another workflow declaring the same pool alike shares it; a different size is refused, naming both.
    await deploy(ns, { name: 'also_wh', pools: { declared_wh: { slots: 3 } }, tasks: { b: { pool: 'declared_wh' } } })
    await assert.rejects(
      deploy(ns, { name: 'other_wh', pools: { declared_wh: { slots: 5, fairShare: true } }, tasks: { c: { pool: 'declared_wh' } } }),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.issues.some((i) => i.path === 'pools.declared_wh.slots' && /pool 'declared_wh' has 3 slots \(set by deploy of declares_wh by .*\); this definition declares 5: change the pool with baton pools set declared_wh --slots 5, or declare 3/.test(i.reason)) &&
        e.issues.some((i) => i.path === 'pools.declared_wh.fairShare' && /has fair share off/.test(i.reason)),
    )
    assert.equal((await listPools(ns.db)).find((p) => p.name === 'declared_wh')!.slots, 3, 'a refused deploy changed nothing')
    // A declared pool smaller than a task's slots: the task check names it.
    await assert.rejects(deploy(ns, { name: 'tiny_wh', pools: { tiny_wh: { slots: 1 } }, tasks: { d: { pool: 'tiny_wh', slots: 2 } } }), /asks for 2 slots of pool 'tiny_wh', which has 1/)
    assert.equal((await listPools(ns.db)).some((p) => p.name === 'tiny_wh'), false, 'the refused deploy created no pool')
  })

  test('a pool cannot shrink below a deployed task, nor be deleted while used', async () => {
    await setPool(ns.db, { name: 'sized', slots: 4 }, 'test')
    await deploy(ns, { name: 'uses_sized', tasks: { big: { pool: 'sized', slots: 3 } } })
    await assert.rejects(setPool(ns.db, { name: 'sized', slots: 2 }, 'test'), /deployed tasks ask for more: uses_sized.big \(3\)/)
    await assert.rejects(deletePool(ns.db, 'sized'), /used by deployed tasks: uses_sized.big/)
    await assert.rejects(setPool(ns.db, { name: 'sized', slots: 0 }, 'test'), (e: unknown) => e instanceof ValidationError && e.issues[0]!.path === 'slots')
    await assert.rejects(setPool(ns.db, { name: '9bad', slots: 1 }, 'test'), (e: unknown) => e instanceof ValidationError && e.issues[0]!.path === 'name')
  })
})
