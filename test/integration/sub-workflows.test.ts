import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { getRunDetails, newId, publishJson, ValidationError, type RunDetails, type TaskCommand } from '@baton/shared'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, duplicateTransitions, statuses, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker, type ScriptedAction } from '../support/scripted-worker.js'

// Sub-workflows (issue 12, part 4) against a real coordinator, NATS and Postgres: a task that
// runs another workflow waits for its child run without a worker and takes its outcome; cancel
// travels both ways; bad definitions are refused at deploy, a child that cannot start fails the
// parent's task with the reason.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
/** Tasks named fail_* fail without retry, hold_* take 30 s, the rest echo their inputs. */
function script(cmd: TaskCommand): ScriptedAction {
  if (cmd.taskId.startsWith('fail')) return { fail: { message: `${cmd.taskId} broke`, retryable: false } }
  if (cmd.taskId.startsWith('hold')) return { succeed: null, delayMs: 30_000 }
  return { succeed: { task: cmd.taskId, partition: cmd.partition, params: cmd.params, saw: cmd.inputs } }
}

before(async () => {
  ns = await createTestNamespace('subwf')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'default', script)
  await deploy(ns, { name: 'child_ok', params: { type: 'object', properties: { region: { type: 'string' } }, additionalProperties: false }, tasks: { extract: {}, load: { after: ['extract'] }, audit: { after: ['extract'] } } })
  await deploy(ns, { name: 'child_fails', tasks: { extract: {}, fail_load: { after: ['extract'] } } })
  await deploy(ns, { name: 'child_slow', tasks: { hold_step: {} } })
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

const childOf = (run: RunDetails, taskId: string) => run.children.find((c) => c.taskId === taskId)

describe('outcomes', () => {
  test('the parent task waits for its child run without a worker and takes its outputs; parent and child link both ways', async () => {
    await deploy(ns, { name: 'parent_ok', tasks: { prep: {}, sub: { after: ['prep'], run: { workflow: 'child_ok', params: { region: 'eu' } } }, publish: { after: ['sub'] } } })
    const runId = await trigger(ns, 'parent_ok', { partition: '2026-12-01' })
    const parent = await waitForRun(ns, runId)
    assert.equal(parent.status, 'succeeded')
    assert.deepEqual(statuses(parent), { prep: 'succeeded', sub: 'succeeded', publish: 'succeeded' })
    const link = childOf((await getRunDetails(ns.db, runId))!, 'sub')!
    assert.equal(link.workflow, 'child_ok')
    assert.equal(link.status, 'succeeded')
    const child = (await getRunDetails(ns.db, link.runId))!
    assert.deepEqual(child.parent, { runId, taskId: 'sub', attempt: 1 })
    assert.equal(child.trigger, 'parent')
    assert.equal(child.partition, '2026-12-01', "the child runs the parent's partition")
    assert.deepEqual(child.params, { region: 'eu' })
    // The sub task's output is the child's: its last tasks' outputs.
    const sub = parent.tasks.find((t) => t.id === 'sub')!
    assert.deepEqual(Object.keys((sub.output as { outputs: object }).outputs).sort(), ['audit', 'load'])
    assert.equal((sub.output as { runId: string }).runId, link.runId)
    assert.deepEqual(Object.keys((worker.executions.find((e) => e.runId === runId && e.taskId === 'publish')!.inputs as object)), ['sub'])
    // No worker ever got a command for the sub task.
    assert.deepEqual(worker.executions.filter((e) => e.runId === runId).map((e) => e.taskId).sort(), ['prep', 'publish'])
  })

  test("the child's failure fails the parent task with the child's first failure, and its downstream", async () => {
    await deploy(ns, { name: 'parent_fails', tasks: { sub: { run: { workflow: 'child_fails' } }, after_sub: { after: ['sub'] } } })
    const parent = await waitForRun(ns, await trigger(ns, 'parent_fails'))
    assert.equal(parent.status, 'failed')
    const sub = parent.tasks.find((t) => t.id === 'sub')!
    assert.equal(sub.status, 'failed')
    assert.equal((sub.error as { kind: string }).kind, 'subworkflow_failed')
    assert.match((sub.error as { message: string }).message, /^sub-workflow child_fails run [0-9a-f-]{36} failed: task fail_load: fail_load broke$/)
    assert.equal(statuses(parent).after_sub, 'upstream_failed')
  })

  test('a child that cannot start (its params schema refuses them) fails the parent task, naming the param', async () => {
    await deploy(ns, { name: 'parent_bad_params', tasks: { sub: { run: { workflow: 'child_ok', params: { regoin: 'eu' } } } } })
    const parent = await waitForRun(ns, await trigger(ns, 'parent_bad_params'))
    const sub = parent.tasks.find((t) => t.id === 'sub')!
    assert.equal(sub.status, 'failed')
    assert.equal((sub.error as { kind: string }).kind, 'subworkflow_not_started')
    assert.match((sub.error as { message: string }).message, /^sub-workflow child_ok could not start: .*regoin/)
    assert.equal(parent.children.length, 0)
  })
})

describe('cancellation both ways', () => {
  test('cancelling the parent cancels its running child', async () => {
    await deploy(ns, { name: 'parent_slow', tasks: { sub: { run: { workflow: 'child_slow' } } } })
    const runId = await trigger(ns, 'parent_slow')
    const childId = await eventually(async () => childOf((await getRunDetails(ns.db, runId))!, 'sub')?.runId, 'the child run to exist')
    await eventually(async () => (await getRunDetails(ns.db, childId))!.tasks[0]!.status === 'running', 'the child task to run')
    const id = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId, reason: 'not today' })
    const child = await waitForRun(ns, childId)
    assert.equal(child.status, 'cancelled')
    assert.match(child.cancelReason ?? '', new RegExp(`its parent run ${runId} stopped waiting for it \\(task sub cancelled\\)`))
    assert.equal((await waitForRun(ns, runId)).status, 'cancelled')
  })

  test("cancelling the child fails the parent's task (not retried)", async () => {
    await deploy(ns, { name: 'parent_slow2', tasks: { sub: { run: { workflow: 'child_slow' }, retry: { attempts: 3 } } } })
    const runId = await trigger(ns, 'parent_slow2')
    const childId = await eventually(async () => childOf((await getRunDetails(ns.db, runId))!, 'sub')?.runId, 'the child run to exist')
    const id = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId: childId, reason: 'wrong day' })
    const parent = await waitForRun(ns, runId)
    const sub = parent.tasks.find((t) => t.id === 'sub')!
    assert.equal(sub.status, 'failed')
    assert.equal(sub.attempts, 1)
    assert.equal((sub.error as { kind: string }).kind, 'subworkflow_cancelled')
    assert.match((sub.error as { message: string }).message, /was cancelled: wrong day/)
  })

  test("a parent task's execution timeout cancels its child", async () => {
    await deploy(ns, { name: 'parent_timeout', tasks: { sub: { run: { workflow: 'child_slow' }, timeout: '1s' } } })
    const runId = await trigger(ns, 'parent_timeout')
    const parent = await waitForRun(ns, runId)
    assert.equal(parent.tasks[0]!.status, 'failed')
    assert.equal((parent.tasks[0]!.error as { kind: string }).kind, 'execution_timeout')
    const childId = childOf(parent, 'sub')!.runId
    assert.equal((await waitForRun(ns, childId)).status, 'cancelled')
  })
})

describe('idempotency', () => {
  test('a replayed child request is the same child run; the parent records no duplicate transition', async () => {
    await deploy(ns, { name: 'parent_replay', tasks: { sub: { run: { workflow: 'child_slow' } } } })
    const runId = await trigger(ns, 'parent_replay')
    const childId = await eventually(async () => childOf((await getRunDetails(ns.db, runId))!, 'sub')?.runId, 'the child run to exist')
    // The same request again, as a redelivery would bring it (a new message id, the same key).
    const id = newId()
    await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow: 'child_slow', idempotencyKey: `parent:${runId}:sub:1`, trigger: 'parent', parent: { runId, taskId: 'sub', attempt: 1 } })
    await allEventsApplied(ns)
    assert.deepEqual((await ns.db.selectFrom('runs').select('id').where('parent_run_id', '=', runId).execute()).map((r) => r.id), [childId])
    assert.deepEqual(await ns.db.selectFrom('dead_letters').select('reason').where('msg_id', '=', id).execute(), [], 'the replay is accepted as the same run, not refused')
    const cancel = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, cancel, { id: cancel, runId, reason: 'done testing' })
    await waitForRun(ns, runId)
    assert.equal((await waitForRun(ns, childId)).status, 'cancelled')
    assert.deepEqual(await duplicateTransitions(ns.db), [])
  })
})

describe('bad definitions are refused at deploy', () => {
  const rejects = (def: Parameters<typeof deploy>[1], path: string, reason: RegExp) =>
    assert.rejects(deploy(ns, def), (e: unknown) => e instanceof ValidationError && e.issues.some((i) => i.path === path && reason.test(i.reason)))

  test('a child workflow that is not deployed', () => rejects({ name: 'p_missing', tasks: { sub: { run: { workflow: 'nosuch' } } } }, 'tasks.sub.run.workflow', /sub-workflow 'nosuch' is not deployed/))
  test('a workflow that runs itself', () => rejects({ name: 'p_self', tasks: { sub: { run: { workflow: 'p_self' } } } }, 'tasks.sub.run.workflow', /sub-workflow cycle: p_self → p_self/))
  test('a cycle through two workflows', async () => {
    await deploy(ns, { name: 'cyc_b', tasks: { leaf: {} } })
    await deploy(ns, { name: 'cyc_a', tasks: { sub: { run: { workflow: 'cyc_b' } } } })
    // cyc_b now running cyc_a would close the loop a → b → a.
    await rejects({ name: 'cyc_b', tasks: { sub: { run: { workflow: 'cyc_a' } } } }, 'tasks.sub.run.workflow', /sub-workflow cycle: cyc_b → cyc_a → cyc_b/)
  })
  test('a sub-workflow task with a pool or another kind', async () => {
    await assert.rejects(deploy(ns, { name: 'p_kind', tasks: { sub: { kind: 'check', run: { workflow: 'child_ok' } } } }), /tasks\.sub\.kind: task 'sub' runs a sub-workflow: its kind must be task/)
  })
})
