import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { newId, NonRetryableError, publishJson, ValidationError, type TriggerRule } from '@baton/shared'
import { startWorker, type Worker } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, duplicateTransitions, statuses, trigger, waitForRun } from '../support/runs.js'

// Branching end to end (issue 12, part 1): a real coordinator, a real SDK worker running
// TypeScript handlers and the sh runner, real NATS and Postgres. The branch's choice comes from
// the run's params, so one workflow covers every path.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Worker
/** Task ids run, by run id: a skipped task must never reach a worker. */
const ran = new Map<string, string[]>()

const RULES: readonly TriggerRule[] = ['all_success', 'all_failed', 'all_done', 'always', 'one_success', 'one_failed', 'none_failed', 'none_skipped', 'none_failed_min_one_success']

before(async () => {
  ns = await createTestNamespace('branching')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  const record = (ctx: { runId: string; taskId: string }) => ran.set(ctx.runId, [...(ran.get(ctx.runId) ?? []), ctx.taskId])
  worker = await startWorker({
    queue: 'default',
    concurrency: 8,
    runners: true,
    config: ns.config,
    nc: ns.nc,
    handlers: {
      // The choice is whatever the run's params say: { follow: [...] } or a malformed output.
      choose: (ctx) => {
        record(ctx)
        return (ctx.params as { choice: unknown }).choice
      },
      arm: (ctx) => {
        record(ctx)
        if ((ctx.params as { failArm?: boolean }).failArm && ctx.taskId === 'a') throw new NonRetryableError('arm a broke')
        return { arm: ctx.taskId }
      },
      join: (ctx) => {
        record(ctx)
        return { saw: Object.keys(ctx.inputs).sort() }
      },
    },
  })
  // One join per trigger rule after both arms of one branch.
  const joins = Object.fromEntries(RULES.map((r) => [`join_${r}`, { after: ['a', 'b'], trigger: r, handler: 'join' }]))
  await deploy(ns, { name: 'rules', tasks: { pick: { kind: 'branch', handler: 'choose' }, a: { after: ['pick'], handler: 'arm' }, b: { after: ['pick'], handler: 'arm' }, ...joins } })
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

/** The joins' statuses of a finished run, by rule. */
function joinStatuses(s: Record<string, string>): Record<string, string> {
  return Object.fromEntries(RULES.map((r) => [r, s[`join_${r}`]!]))
}

describe('branch + join under every trigger rule', () => {
  test('the chosen arm succeeds, the other is skipped', async () => {
    const run = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice: { follow: ['a'] } } }))
    const s = statuses(run)
    assert.deepEqual([s.pick, s.a, s.b], ['succeeded', 'succeeded', 'skipped'])
    assert.deepEqual(joinStatuses(s), {
      all_success: 'skipped',
      all_failed: 'skipped',
      all_done: 'succeeded',
      always: 'succeeded',
      one_success: 'succeeded',
      one_failed: 'skipped',
      none_failed: 'succeeded',
      none_skipped: 'skipped',
      none_failed_min_one_success: 'succeeded',
    })
    assert.equal(run.status, 'succeeded')
    assert.ok(!ran.get(run.id)!.includes('b'), 'the unchosen arm never reached a worker')
  })

  test('the chosen arm fails, the other is skipped', async () => {
    const run = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice: { follow: ['a'] }, failArm: true } }))
    const s = statuses(run)
    assert.deepEqual([s.pick, s.a, s.b], ['succeeded', 'failed', 'skipped'])
    assert.deepEqual(joinStatuses(s), {
      all_success: 'upstream_failed',
      all_failed: 'skipped',
      all_done: 'succeeded',
      always: 'succeeded',
      one_success: 'upstream_failed',
      one_failed: 'succeeded',
      none_failed: 'upstream_failed',
      none_skipped: 'skipped',
      none_failed_min_one_success: 'upstream_failed',
    })
    assert.equal(run.status, 'failed')
  })

  test('an empty choice skips both arms', async () => {
    const run = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice: { follow: [] } } }))
    const s = statuses(run)
    assert.deepEqual([s.pick, s.a, s.b], ['succeeded', 'skipped', 'skipped'])
    assert.deepEqual(joinStatuses(s), {
      all_success: 'skipped',
      all_failed: 'skipped',
      all_done: 'succeeded',
      always: 'succeeded',
      one_success: 'skipped',
      one_failed: 'skipped',
      none_failed: 'succeeded',
      none_skipped: 'skipped',
      none_failed_min_one_success: 'skipped',
    })
  })

  test('choosing both arms runs both, and every join sees both outputs', async () => {
    const run = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice: { follow: ['a', 'b'] } } }))
    const s = statuses(run)
    assert.deepEqual([s.a, s.b, s.join_all_success, s.join_all_failed], ['succeeded', 'succeeded', 'succeeded', 'skipped'])
    const join = run.tasks.find((t) => t.id === 'join_all_success')!
    assert.deepEqual((join.output as { saw: string[] }).saw, ['a', 'b'])
  })
})

describe('the forms of a choice', () => {
  test("the sh runner's JSON last line chooses, and the older { branch } and bare-id forms still work", async () => {
    await deploy(ns, {
      name: 'sh_branch',
      tasks: {
        pick: { kind: 'branch', run: { sh: 'echo "deciding"; echo \'{"follow": ["load_full"]}\'' } },
        load_full: { after: ['pick'], run: { sh: 'echo full' } },
        load_incremental: { after: ['pick'], run: { sh: 'echo incremental' } },
        publish: { after: ['load_full', 'load_incremental'], trigger: 'none_failed_min_one_success', run: { sh: 'echo published' } },
      },
    })
    const run = await waitForRun(ns, await trigger(ns, 'sh_branch'))
    assert.deepEqual(statuses(run), { pick: 'succeeded', load_full: 'succeeded', load_incremental: 'skipped', publish: 'succeeded' })
    const older = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice: { branch: 'b' } } }))
    assert.deepEqual([statuses(older).a, statuses(older).b], ['skipped', 'succeeded'])
    const bare = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice: ['a'] } }))
    assert.deepEqual([statuses(bare).a, statuses(bare).b], ['succeeded', 'skipped'])
  })
})

describe('bad choices fail the branch, naming the culprit; the run ends', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a task that is not directly downstream', { follow: ['join_always'] }, /branch pick chose 'join_always', which is not directly downstream of it \(choose from: a, b\)/],
    ['an unknown task', { follow: ['a', 'load_ful'] }, /chose 'load_ful'/],
    ['no choice at all', { rows: 3 }, /branch pick returned no choice: its output must be \{ "follow"/],
    ['a non-string entry', { follow: ['a', 7] }, /entry 1 is 7/],
  ]
  for (const [what, choice, message] of cases) {
    test(what, async () => {
      const run = await waitForRun(ns, await trigger(ns, 'rules', { params: { choice } }))
      const pick = run.tasks.find((t) => t.id === 'pick')!
      assert.equal(pick.status, 'failed')
      assert.match((pick.error as { message: string }).message, message)
      assert.equal((pick.error as { kind: string }).kind, 'branch_invalid')
      // Not retried: the same output would choose the same way.
      assert.equal(pick.attempts, 1)
      assert.equal(run.status, 'failed')
      assert.deepEqual([statuses(run).a, statuses(run).b], ['upstream_failed', 'upstream_failed'])
      assert.ok(!ran.get(run.id)!.includes('a') && !ran.get(run.id)!.includes('b'), 'no arm ran')
    })
  }

  test('a branch with no downstream task is refused at deploy, naming it', async () => {
    await assert.rejects(
      () => deploy(ns, { name: 'lonely', tasks: { pick: { kind: 'branch' } } }),
      (e: unknown) => e instanceof ValidationError && e.issues.some((i) => i.path === 'tasks.pick.kind' && /branch task 'pick' has no downstream task to choose/.test(i.reason)),
    )
  })
})

describe('a duplicated branch result', () => {
  test('the same succeeded event twice changes nothing the second time', async () => {
    const runId = await trigger(ns, 'rules', { params: { choice: { follow: ['b'] } } })
    const run = await waitForRun(ns, runId)
    const pick = run.tasks.find((t) => t.id === 'pick')!
    const transitions = async () => Number((await ns.db.selectFrom('history').select((eb) => eb.fn.countAll<string>().as('n')).where('run_id', '=', runId).where('kind', '=', 'transition').executeTakeFirstOrThrow()).n)
    const before = await transitions()
    // A replay of the branch's result (as a redelivery would bring), choosing the other arm.
    const id = newId()
    await publishJson(ns.js, ns.subjects.task(runId), id, { id, type: 'succeeded', runId, taskId: 'pick', attempt: pick.attempts, workerId: 'replayer', output: { follow: ['a'] }, at: new Date().toISOString() })
    // Wait until the coordinator has applied (and ignored) the replay: it is recorded as ignored.
    await eventually(async () => {
      const rows = await ns.db.selectFrom('history').select(['kind', 'reason']).where('run_id', '=', runId).where('kind', '=', 'ignored').execute()
      return rows.length > 0
    }, 'the replayed result to be applied')
    const again = await waitForRun(ns, runId)
    assert.deepEqual(statuses(again), statuses(run))
    assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
    assert.equal(await transitions(), before)
  })
})
