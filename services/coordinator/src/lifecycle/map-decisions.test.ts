import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { compileWorkflow } from '@baton/shared'
import { decide } from './run-machine.js'
import { TimerKind, type MachineState, type TaskView } from './types.js'

// The machine's side of dynamic fan-out (map-decisions.ts): a mapped task that may run waits
// `running` for its instances, which run as tasks of their own and count on its row.

const T0 = new Date('2026-06-01T06:00:00.000Z')
const WF = compileWorkflow({ name: 'm', tasks: { list: {}, load: { map: { from: 'list', key: 'files' }, retry: { attempts: 2, backoff: '1s' } }, sum: { after: ['load'] } } })

function view(taskId: string, over: Partial<TaskView> = {}): TaskView {
  return { taskId, status: 'pending', attempt: 0, attemptBase: 0, nUpstream: 0, nSucceeded: 0, nFailed: 0, nSkipped: 0, workerId: null, ...over }
}

function stateOf(tasks: TaskView[], run: Partial<MachineState['run']> = {}): MachineState {
  return {
    run: { id: 'r', workflow: 'm', status: 'running', partition: null, tasksTotal: 3, tasksTerminal: 1, tasksBad: 0, cancelReason: null, ...run },
    tasks: new Map(tasks.map((t) => [t.taskId, t])),
    workflow: WF,
  }
}

const running = (over: Partial<TaskView> = {}) => view('load', { status: 'running', attempt: 1, nUpstream: 1, nSucceeded: 1, ...over })

describe('a mapped task', () => {
  test('compiles with its source as an upstream, and an instance id resolves to its definition', () => {
    assert.deepEqual(WF.tasks.get('load')!.upstream, ['list'])
    assert.deepEqual(WF.tasks.get('load')!.map, { from: 'list', key: 'files', reduce: false })
    assert.equal(WF.tasks.get('load[17]'), WF.tasks.get('load'))
    assert.equal(WF.tasks.get('sum[1]'), undefined, 'only a mapped task has instances')
    assert.equal(WF.tasks.has('load[17]'), false, 'an instance is not one of the workflow tasks')
    assert.equal(WF.maxMapInstances, 100_000)
  })

  test('its source succeeding puts it running with no command, its first chunk due at once', () => {
    const d = decide(stateOf([view('load', { nUpstream: 1 })]), { type: 'upstream.resolved', taskId: 'load', upstreamId: 'list', outcome: 'succeeded' }, T0)
    assert.equal(d.taskChanges[0]!.set.status, 'running')
    assert.deepEqual(d.dispatch, [])
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.mapExpand, taskId: 'load', attempt: 1, nextIndex: 0, fireAt: T0 }])
  })

  test('a chunk records the total, runs its pending instances and sets the next chunk', () => {
    const d = decide(stateOf([running()]), { type: 'map.expanded', taskId: 'load', attempt: 1, from: 0, to: 200, total: 500, kept: 0, instances: ['load[0]', 'load[1]'] }, T0)
    assert.deepEqual(d.taskChanges, [{ taskId: 'load', from: 'running', set: { mapTotal: 500, mapSucceeded: 0, mapFailed: 0 } }])
    assert.deepEqual(d.followUps, [{ type: 'task.ready_check', taskId: 'load[0]' }, { type: 'task.ready_check', taskId: 'load[1]' }])
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.mapExpand, taskId: 'load', attempt: 1, nextIndex: 200, fireAt: T0 }])
  })

  test('the last chunk sets no timer; a chunk of a stale attempt is ignored', () => {
    const last = decide(stateOf([running({ mapTotal: 500 })]), { type: 'map.expanded', taskId: 'load', attempt: 1, from: 400, to: 500, total: 500, kept: 0, instances: [] }, T0)
    assert.deepEqual([last.taskChanges, last.setTimers], [[], []])
    const stale = decide(stateOf([running({ attempt: 2 })]), { type: 'map.expanded', taskId: 'load', attempt: 1, from: 0, to: 10, total: 10, kept: 0, instances: [] }, T0)
    assert.match(stale.ignored ?? '', /stale attempt 1/)
  })

  test('an empty list skips it, and its downstream are told skipped', () => {
    const d = decide(stateOf([running()]), { type: 'map.expanded', taskId: 'load', attempt: 1, from: 0, to: 0, total: 0, kept: 0, instances: [] }, T0)
    assert.equal(d.taskChanges[0]!.set.status, 'skipped')
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'sum', upstreamId: 'load', outcome: 'skipped' }])
    assert.equal(d.runChange!.set.tasksTerminal, 2)
  })

  test('a list whose instances all succeeded in an earlier attempt ends it at once', () => {
    const d = decide(stateOf([running()]), { type: 'map.expanded', taskId: 'load', attempt: 1, from: 0, to: 3, total: 3, kept: 3, instances: [] }, T0)
    assert.equal(d.taskChanges[0]!.set.status, 'succeeded')
  })

  test('a bad list fails it, not retried, with the reason', () => {
    const error = { message: 'load: cannot map over x', retryable: false, kind: 'map_source_invalid' }
    const d = decide(stateOf([running()]), { type: 'map.invalid', taskId: 'load', attempt: 1, error }, T0)
    assert.equal(d.taskChanges[0]!.set.status, 'failed')
    assert.deepEqual(d.taskChanges[0]!.set.error, error)
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'sum', upstreamId: 'load', outcome: 'failed' }])
  })
})

describe('an instance', () => {
  test('is dispatched like a task, under its own id', () => {
    const d = decide(stateOf([running({ mapTotal: 2 }), view('load[1]')]), { type: 'task.ready_check', taskId: 'load[1]' }, T0)
    assert.deepEqual(d.dispatch, [{ taskId: 'load[1]', attempt: 1 }])
    assert.equal(d.taskChanges[0]!.set.status, 'queued')
  })

  test('retries on its own; its end changes no run counter and counts on the mapped task', () => {
    const inst = view('load[1]', { status: 'running', attempt: 1, workerId: 'w' })
    const retry = decide(stateOf([running({ mapTotal: 2 }), inst]), { type: 'task.failed', taskId: 'load[1]', attempt: 1, workerId: 'w', eventId: 'e', error: { message: 'x', retryable: true, kind: 'error' } }, T0)
    assert.equal(retry.taskChanges[0]!.set.status, 'retrying')
    const ok = decide(stateOf([running({ mapTotal: 2 }), inst]), { type: 'task.succeeded', taskId: 'load[1]', attempt: 1, workerId: 'w', eventId: 'e', output: 1 }, T0)
    assert.equal(ok.runChange, undefined)
    assert.deepEqual(ok.followUps, [{ type: 'map.instance_resolved', taskId: 'load', instanceId: 'load[1]', outcome: 'succeeded' }])
  })

  test('counts until the last, which ends the mapped task: succeeded when all did', () => {
    const one = decide(stateOf([running({ mapTotal: 2 })]), { type: 'map.instance_resolved', taskId: 'load', instanceId: 'load[0]', outcome: 'succeeded' }, T0)
    assert.deepEqual(one.taskChanges, [{ taskId: 'load', from: 'running', set: { mapSucceeded: 1, mapFailed: 0 } }])
    const last = decide(stateOf([running({ mapTotal: 2, mapSucceeded: 1 })]), { type: 'map.instance_resolved', taskId: 'load', instanceId: 'load[1]', outcome: 'succeeded' }, T0)
    assert.equal(last.taskChanges[0]!.set.status, 'succeeded')
    assert.deepEqual(last.attempts, [{ taskId: 'load', attempt: 1, status: 'succeeded', at: T0 }])
    assert.deepEqual(last.followUps, [{ type: 'upstream.resolved', taskId: 'sum', upstreamId: 'load', outcome: 'succeeded' }])
  })

  test('one failed instance fails the mapped task once all ended, naming the count', () => {
    const d = decide(stateOf([running({ mapTotal: 3, mapSucceeded: 1, mapFailed: 1 })]), { type: 'map.instance_resolved', taskId: 'load', instanceId: 'load[2]', outcome: 'succeeded' }, T0)
    assert.equal(d.taskChanges[0]!.set.status, 'failed')
    assert.deepEqual(d.taskChanges[0]!.set.error, { message: '1 of 3 instances of load failed', retryable: false, kind: 'map_instances_failed' })
  })

  test('an instance ending after its mapped task stopped changes nothing', () => {
    const d = decide(stateOf([view('load', { status: 'cancelled', attempt: 1, mapTotal: 2 })]), { type: 'map.instance_resolved', taskId: 'load', instanceId: 'load[0]', outcome: 'succeeded' }, T0)
    assert.match(d.ignored ?? '', /mapped task is cancelled/)
  })

  test('a cancelled instance tells its mapped task nothing', () => {
    const d = decide(stateOf([running({ mapTotal: 2 }), view('load[0]', { status: 'queued', attempt: 1 })]), { type: 'run.cancel_requested', reason: 'stop' }, T0)
    assert.equal(d.followUps.length, 0)
  })
})
