import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import type { TriggerRule } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker, type ScriptedAction } from '../support/scripted-worker.js'
import { deploy, statuses, trigger, waitForRun } from '../support/runs.js'

// The coordinator against real NATS and Postgres, with a protocol-level worker whose behaviour
// each test scripts per task (tasks named fail_* fail, slow_* take 1.5 s — long enough that all
// branches are dispatched before the first finishes even on a loaded CI host — the rest succeed).

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>

function script(cmd: { taskId: string; attempt: number; inputs: Record<string, unknown> }): ScriptedAction {
  if (cmd.taskId.startsWith('fail')) return { fail: { message: `${cmd.taskId} broke`, retryable: !cmd.taskId.includes('fatal') } }
  if (cmd.taskId.startsWith('flaky') && cmd.attempt < 3) return { fail: { message: 'transient' } }
  // `branch` chooses its `chosen` arm; `branch_gate` (the rule table's source of a skipped upstream) chooses none.
  if (cmd.taskId === 'branch_gate') return { succeed: { follow: [] } }
  if (cmd.taskId.startsWith('branch')) return { succeed: { follow: ['chosen'] } }
  if (cmd.taskId.startsWith('check_bad')) return { succeed: { passed: false, sample: [{ id: 1 }] } }
  if (cmd.taskId.startsWith('skip')) return { succeed: null }
  return { succeed: { task: cmd.taskId, attempt: cmd.attempt, saw: Object.keys(cmd.inputs).sort() }, ...(cmd.taskId.startsWith('slow') ? { delayMs: 1500 } : {}) }
}

before(async () => {
  ns = await createTestNamespace('dag')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'default', script)
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

describe('DAG execution', () => {
  test('a diamond runs every task once, joins see both upstream outputs', async () => {
    await deploy(ns, { name: 'diamond', tasks: { a: {}, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] } } })
    const run = await waitForRun(ns, await trigger(ns, 'diamond'))
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(statuses(run), { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' })
    const d = run.tasks.find((t) => t.id === 'd')!
    assert.deepEqual((d.output as { saw: string[] }).saw, ['b', 'c'])
    assert.equal(worker.executions.filter((e) => e.runId === run.id).length, 4)
  })

  test('parallel branches of a wide DAG really overlap in time', async () => {
    const tasks: Record<string, { after?: string[] }> = { root: {} }
    for (let i = 0; i < 8; i++) tasks[`slow_${i}`] = { after: ['root'] }
    tasks.join = { after: Object.keys(tasks).filter((t) => t.startsWith('slow')) }
    await deploy(ns, { name: 'wide', tasks })
    const run = await waitForRun(ns, await trigger(ns, 'wide'))
    assert.equal(run.status, 'succeeded')
    const slow = worker.executions.filter((e) => e.runId === run.id && e.taskId.startsWith('slow'))
    assert.equal(slow.length, 8)
    // Every branch was received before the first one finished: they ran concurrently.
    const firstFinish = Math.min(...slow.map((e) => e.finishedAt!))
    assert.ok(slow.every((e) => e.receivedAt <= firstFinish), 'all branches dispatched before any finished')
  })

  test('a failure is retried with backoff and then succeeds', async () => {
    await deploy(ns, { name: 'flaky', tasks: { flaky: { retry: { attempts: 3, backoff: '100ms', factor: 2, jitter: false } }, after_flaky: { after: ['flaky'] } } })
    const run = await waitForRun(ns, await trigger(ns, 'flaky'))
    assert.equal(run.status, 'succeeded')
    const flaky = run.tasks.find((t) => t.id === 'flaky')!
    assert.equal(flaky.attempts, 3)
    const attempts = worker.executions.filter((e) => e.runId === run.id && e.taskId === 'flaky')
    assert.deepEqual(attempts.map((e) => e.attempt), [1, 2, 3])
    // Backoff grows: the gap before attempt 3 is at least the gap before attempt 2 (100ms then 200ms).
    const gap1 = attempts[1]!.receivedAt - attempts[0]!.receivedAt
    const gap2 = attempts[2]!.receivedAt - attempts[1]!.receivedAt
    assert.ok(gap1 >= 100 && gap2 >= 200, `backoff gaps ${gap1}ms, ${gap2}ms`)
    const history = await ns.db.selectFrom('history').select(['task_id', 'to_status']).where('run_id', '=', run.id).where('task_id', '=', 'flaky').orderBy('id').execute()
    assert.deepEqual(history.map((h) => h.to_status), ['queued', 'running', 'retrying', 'queued', 'running', 'retrying', 'queued', 'running', 'succeeded'])
  })

  test('retries exhausted: downstream is upstream_failed, a one_failed notifier runs, the run fails', async () => {
    await deploy(ns, {
      name: 'exhausted',
      tasks: {
        fail_extract: { retry: { attempts: 2, backoff: '50ms', jitter: false } },
        load: { after: ['fail_extract'] },
        build: { after: ['load'] },
        notify: { after: ['build'], trigger: 'one_failed' },
        independent: {},
      },
    })
    const run = await waitForRun(ns, await trigger(ns, 'exhausted'))
    assert.equal(run.status, 'failed')
    assert.deepEqual(statuses(run), { fail_extract: 'failed', load: 'upstream_failed', build: 'upstream_failed', notify: 'succeeded', independent: 'succeeded' })
    assert.equal(run.tasks.find((t) => t.id === 'fail_extract')!.attempts, 2)
    assert.equal(worker.executions.filter((e) => e.runId === run.id && (e.taskId === 'load' || e.taskId === 'build')).length, 0, 'nothing ran on partial data')
  })

  test('a non-retryable failure fails at once', async () => {
    await deploy(ns, { name: 'fatal', tasks: { fail_fatal: { retry: { attempts: 5, backoff: '10ms' } } } })
    const run = await waitForRun(ns, await trigger(ns, 'fatal'))
    assert.equal(run.status, 'failed')
    assert.equal(run.tasks[0]!.attempts, 1)
  })

  test('a failed data-quality check blocks its downstream and lets independent branches finish', async () => {
    await deploy(ns, { name: 'quality', tasks: { build: {}, check_bad: { after: ['build'], kind: 'check' }, publish: { after: ['check_bad'] }, other: { after: ['build'] } } })
    const run = await waitForRun(ns, await trigger(ns, 'quality'))
    assert.equal(run.status, 'failed')
    assert.deepEqual(statuses(run), { build: 'succeeded', check_bad: 'failed', publish: 'upstream_failed', other: 'succeeded' })
    assert.equal((run.tasks.find((t) => t.id === 'check_bad')!.error as { kind: string }).kind, 'check_failed')
  })

  test('a branch runs the chosen downstream and skips the others (and their descendants)', async () => {
    await deploy(ns, { name: 'branching', tasks: { branch: { kind: 'branch' }, chosen: { after: ['branch'] }, other: { after: ['branch'] }, after_other: { after: ['other'] }, join: { after: ['chosen', 'other'], trigger: 'none_failed_min_one_success' } } })
    const run = await waitForRun(ns, await trigger(ns, 'branching'))
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(statuses(run), { branch: 'succeeded', chosen: 'succeeded', other: 'skipped', after_other: 'skipped', join: 'succeeded' })
  })
})

describe('trigger rules against Airflow outcomes', () => {
  // Upstreams: ok (succeeds), fail_u (fails), and a skipped one (an unchosen branch target).
  const cases: [TriggerRule, string[], string][] = [
    ['all_success', ['ok1', 'ok2'], 'succeeded'],
    ['all_success', ['ok1', 'fail_u'], 'upstream_failed'],
    ['all_success', ['ok1', 'skipped_u'], 'skipped'],
    ['all_failed', ['fail_u', 'fail_v'], 'succeeded'],
    ['all_failed', ['fail_u', 'ok1'], 'skipped'],
    ['all_done', ['ok1', 'fail_u', 'skipped_u'], 'succeeded'],
    ['one_success', ['ok1', 'fail_u'], 'succeeded'],
    ['one_success', ['fail_u', 'fail_v'], 'upstream_failed'],
    ['one_success', ['skipped_u'], 'skipped'],
    ['one_failed', ['ok1', 'fail_u'], 'succeeded'],
    ['one_failed', ['ok1', 'ok2'], 'skipped'],
    ['none_failed', ['ok1', 'skipped_u'], 'succeeded'],
    ['none_failed', ['ok1', 'fail_u'], 'upstream_failed'],
    ['none_skipped', ['ok1', 'fail_u'], 'succeeded'],
    ['none_skipped', ['ok1', 'skipped_u'], 'skipped'],
    ['none_failed_min_one_success', ['ok1', 'skipped_u'], 'succeeded'],
    ['none_failed_min_one_success', ['skipped_u'], 'skipped'],
    ['none_failed_min_one_success', ['ok1', 'fail_u'], 'upstream_failed'],
    ['always', ['fail_u'], 'succeeded'],
  ]
  for (const [rule, ups, expected] of cases) {
    test(`${rule} with upstream ${ups.join(', ')} → ${expected}`, async () => {
      const name = `rule_${rule}_${ups.join('_')}`.slice(0, 90)
      const tasks: Record<string, { after?: string[]; trigger?: TriggerRule; kind?: 'branch' }> = {}
      for (const u of ups) {
        if (u === 'skipped_u') {
          tasks.branch_gate = { kind: 'branch' }
          tasks.skipped_u = { after: ['branch_gate'] }
        } else tasks[u] = {}
      }
      tasks.target = { after: ups, trigger: rule }
      await deploy(ns, { name, tasks })
      const run = await waitForRun(ns, await trigger(ns, name))
      assert.equal(statuses(run).target, expected)
    })
  }
})
