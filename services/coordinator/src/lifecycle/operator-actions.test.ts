import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { compileWorkflow, isTerminalTaskStatus, type TaskStatus, type WorkflowDefinitionInput } from '@baton/shared'
import { ancestors, descendants } from './operator-actions.js'
import { decide } from './run-machine.js'
import { TimerKind, type Decision, type MachineEvent, type MachineState, type RunView, type TaskView } from './types.js'

// Operator actions are folded the way the shell folds them (apply/apply-batch.ts): the event's
// decision, then its follow-ups (ready checks, upstream resolutions) wave by wave.

const T0 = new Date('2026-06-01T06:00:00.000Z')
const BAD: readonly TaskStatus[] = ['failed', 'upstream_failed']

function stateOf(def: WorkflowDefinitionInput, tasks: Record<string, Partial<TaskView>>, run: Partial<RunView> = {}): MachineState {
  const workflow = compileWorkflow(def)
  const views = new Map<string, TaskView>()
  for (const [id, t] of workflow.tasks) {
    views.set(id, { taskId: id, status: 'pending', attempt: 0, attemptBase: 0, nUpstream: t.upstream.length, nSucceeded: 0, nFailed: 0, nSkipped: 0, workerId: null, ...tasks[id] })
  }
  const all = [...views.values()]
  const tasksTerminal = all.filter((t) => isTerminalTaskStatus(t.status)).length
  const tasksBad = all.filter((t) => BAD.includes(t.status)).length
  const status = run.status ?? (tasksTerminal === all.length ? (tasksBad > 0 ? 'failed' : 'succeeded') : 'running')
  return { workflow, tasks: views, run: { id: 'run-1', workflow: workflow.name, status, partition: null, tasksTotal: all.length, tasksTerminal, tasksBad, cancelReason: null, ...run } }
}

interface Settled {
  readonly state: MachineState
  readonly decisions: Decision[]
}

/** Applies an event and every follow-up it causes, as the shell does; returns the final state. */
function settle(state: MachineState, event: MachineEvent): Settled {
  const tasks = new Map(state.tasks)
  let run = state.run
  const decisions: Decision[] = []
  let wave: MachineEvent[] = [event]
  while (wave.length > 0) {
    const next: MachineEvent[] = []
    for (const e of wave) {
      const d = decide({ run, tasks, workflow: state.workflow }, e, T0)
      decisions.push(d)
      if (d.ignored !== undefined) continue
      for (const c of d.taskChanges) tasks.set(c.taskId, { ...tasks.get(c.taskId)!, ...pickView(c.set) })
      if (d.runChange) run = { ...run, ...pickRun(d.runChange.set) }
      next.push(...d.followUps)
    }
    wave = next
  }
  return { state: { run, tasks, workflow: state.workflow }, decisions }
}

function pickView(set: Decision['taskChanges'][number]['set']): Partial<TaskView> {
  const { output: _o, error: _e, queuedAt: _q, startedAt: _s, finishedAt: _f, reopened: _r, ...view } = set
  return view
}

function pickRun(set: NonNullable<Decision['runChange']>['set']): Partial<RunView> {
  const { startedAt: _s, finishedAt: _f, ...view } = set
  return view
}

const statusOf = (s: Settled): Record<string, TaskStatus> => Object.fromEntries([...s.state.tasks].map(([id, t]) => [id, t.status]))
const dispatched = (s: Settled): { taskId: string; attempt: number }[] => s.decisions.flatMap((d) => d.dispatch.map(({ taskId, attempt }) => ({ taskId, attempt })))

/** a → b → c, and d beside them; b retries (3 attempts). */
const WF: WorkflowDefinitionInput = {
  name: 'ops',
  tasks: { a: {}, b: { after: ['a'], retry: { attempts: 3, backoff: '1s' } }, c: { after: ['b'] }, d: {} },
}
const FAILED_RUN = stateOf(WF, {
  a: { status: 'succeeded', attempt: 1 },
  b: { status: 'failed', attempt: 3, nUpstream: 1, nSucceeded: 1 },
  c: { status: 'upstream_failed', nFailed: 1 },
  d: { status: 'succeeded', attempt: 1 },
})
const retry: MachineEvent = { type: 'run.retry_requested', by: 'token:oncall', reason: 'source fixed' }

describe('retry from failure', () => {
  test('reruns only the failed part: failed and upstream_failed tasks go back, succeeded ones keep their outputs', () => {
    const s = settle(FAILED_RUN, retry)
    assert.deepEqual(statusOf(s), { a: 'succeeded', b: 'queued', c: 'pending', d: 'succeeded' })
    assert.deepEqual(dispatched(s), [{ taskId: 'b', attempt: 4 }])
    const first = s.decisions[0]!
    assert.deepEqual(first.taskChanges.map((c) => c.taskId).sort(), ['b', 'c'])
    assert.equal(first.runChange?.from, 'failed')
    assert.equal(first.runChange?.set.status, 'running')
    assert.equal(first.runChange?.reopened, true)
    assert.equal(s.state.run.tasksTerminal, 2)
    assert.equal(s.state.run.tasksBad, 0)
    assert.match(first.taskChanges[0]!.reason!, /retried from failure by token:oncall: source fixed/)
  })

  test('a retried task gets its full retry budget again, counted from where it was reopened', () => {
    const s = settle(FAILED_RUN, retry)
    assert.equal(s.state.tasks.get('b')!.attemptBase, 3)
    const running = settle(s.state, { type: 'task.started', taskId: 'b', attempt: 4, workerId: 'w', eventId: 'e1' })
    const failedOnce = settle(running.state, { type: 'task.failed', taskId: 'b', attempt: 4, workerId: 'w', eventId: 'e2', error: { message: 'x', retryable: true, kind: 'error' } })
    assert.equal(failedOnce.state.tasks.get('b')!.status, 'retrying', 'round 1 of 3 is retried')
  })

  test('a cancelled run is retried: its cancelled tasks run again and the cancel reason is cleared', () => {
    const state = stateOf(WF, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'cancelled', attempt: 1, nSucceeded: 1 }, c: { status: 'cancelled' }, d: { status: 'cancelled' } }, { status: 'cancelled', cancelReason: 'by hand' })
    const s = settle(state, retry)
    assert.deepEqual(statusOf(s), { a: 'succeeded', b: 'queued', c: 'pending', d: 'queued' })
    assert.equal(s.state.run.cancelReason, null)
    assert.equal(s.state.run.status, 'running')
  })

  for (const status of ['running', 'queued', 'succeeded'] as const) {
    test(`a ${status} run is not retried (ignored with the reason)`, () => {
      const state = stateOf(WF, { a: { status: 'succeeded', attempt: 1 } }, { status })
      const d = decide(state, retry, T0)
      assert.match(d.ignored ?? '', new RegExp(`run is ${status}`))
      assert.deepEqual([d.taskChanges, d.dispatch, d.runChange], [[], [], undefined])
    })
  }

  test('the same retry twice is applied once (the second finds the run running)', () => {
    const once = settle(FAILED_RUN, retry)
    const twice = settle(once.state, retry)
    assert.match(twice.decisions[0]!.ignored ?? '', /run is running/)
  })
})

describe('clear', () => {
  const DONE = stateOf(WF, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'succeeded', attempt: 1, nSucceeded: 1 }, c: { status: 'succeeded', attempt: 1, nSucceeded: 1 }, d: { status: 'succeeded', attempt: 1 } })

  test('one task: only it runs again, in a reopened run', () => {
    const s = settle(DONE, { type: 'task.clear_requested', taskId: 'b', scope: 'task', by: 'u', reason: '' })
    assert.deepEqual(statusOf(s), { a: 'succeeded', b: 'queued', c: 'succeeded', d: 'succeeded' })
    assert.deepEqual(dispatched(s), [{ taskId: 'b', attempt: 2 }])
    assert.equal(s.state.run.status, 'running')
  })

  test('with its downstream: the task runs and its downstream waits for it', () => {
    const s = settle(DONE, { type: 'task.clear_requested', taskId: 'b', scope: 'downstream', by: 'u', reason: '' })
    assert.deepEqual(statusOf(s), { a: 'succeeded', b: 'queued', c: 'pending', d: 'succeeded' })
    assert.equal(s.state.tasks.get('c')!.nSucceeded, 0, 'c counts b as not done')
    const ok = settle(s.state, { type: 'task.succeeded', taskId: 'b', attempt: 2, workerId: 'w', eventId: 'e', output: {} })
    assert.equal(ok.state.tasks.get('c')!.status, 'queued')
    assert.deepEqual(dispatched(ok), [{ taskId: 'c', attempt: 2 }], 'a new attempt, after the one it had')
  })

  test('with its upstream: everything it depends on runs again, roots first', () => {
    const s = settle(DONE, { type: 'task.clear_requested', taskId: 'c', scope: 'upstream', by: 'u', reason: '' })
    assert.deepEqual(statusOf(s), { a: 'queued', b: 'pending', c: 'pending', d: 'succeeded' })
  })

  test('a running task is aborted, its attempt recorded cancelled and its timers cleared, then it runs as a new attempt', () => {
    const state = stateOf(WF, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'running', attempt: 1, nSucceeded: 1, workerId: 'w1' } })
    const s = settle(state, { type: 'task.clear_requested', taskId: 'b', scope: 'task', by: 'u', reason: 'stuck' })
    const first = s.decisions[0]!
    assert.deepEqual(first.aborts.map((a) => [a.taskId, a.attempt]), [['b', 1]])
    assert.deepEqual(first.attempts.map((a) => [a.taskId, a.attempt, a.status]), [['b', 1, 'cancelled']])
    assert.ok(first.clearTimers.some((t) => t.taskId === 'b' && t.attempt === 1 && t.kind === TimerKind.heartbeat))
    assert.deepEqual(dispatched(s), [{ taskId: 'b', attempt: 2 }])
  })

  test('a run that has not started is left alone; an unknown task is ignored', () => {
    assert.match(decide(stateOf(WF, {}, { status: 'queued' }), { type: 'task.clear_requested', taskId: 'a', scope: 'task', by: 'u', reason: '' }, T0).ignored ?? '', /not started/)
    assert.match(decide(DONE, { type: 'task.clear_requested', taskId: 'zz', scope: 'task', by: 'u', reason: '' }, T0).ignored ?? '', /unknown task zz/)
  })
})

describe('mark', () => {
  test('succeeded unblocks the downstream it had failed, and the run goes on', () => {
    const s = settle(FAILED_RUN, { type: 'task.mark_requested', taskId: 'b', status: 'succeeded', by: 'admin', reason: 'loaded by hand' })
    assert.deepEqual(statusOf(s), { a: 'succeeded', b: 'succeeded', c: 'queued', d: 'succeeded' })
    assert.equal(s.state.run.status, 'running')
    assert.match(s.decisions[0]!.taskChanges.find((c) => c.taskId === 'b')!.reason!, /marked succeeded by admin: loaded by hand/)
  })

  test('failed fails closed: the downstream becomes upstream_failed and the finished run fails', () => {
    const done = stateOf(WF, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'succeeded', attempt: 1, nSucceeded: 1 }, c: { status: 'succeeded', attempt: 1, nSucceeded: 1 }, d: { status: 'succeeded', attempt: 1 } })
    const s = settle(done, { type: 'task.mark_requested', taskId: 'b', status: 'failed', by: 'admin', reason: 'bad data' })
    assert.deepEqual(statusOf(s), { a: 'succeeded', b: 'failed', c: 'upstream_failed', d: 'succeeded' })
    assert.equal(s.state.run.status, 'failed')
    const b = s.decisions[0]!.taskChanges.find((c) => c.taskId === 'b')!
    assert.deepEqual(b.set.error, { message: 'marked failed by admin: bad data', retryable: false, kind: 'marked_failed' })
  })

  test("marking a finished run's last task changes the run's outcome at once", () => {
    const done = stateOf(WF, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'succeeded', attempt: 1, nSucceeded: 1 }, c: { status: 'succeeded', attempt: 1, nSucceeded: 1 }, d: { status: 'succeeded', attempt: 1 } })
    const failed = settle(done, { type: 'task.mark_requested', taskId: 'd', status: 'failed', by: 'admin', reason: 'bad output' })
    assert.equal(failed.decisions[0]!.runChange?.from, 'succeeded')
    assert.equal(failed.state.run.status, 'failed')
    assert.equal(failed.state.run.tasksBad, 1)
    const succeeded = settle(failed.state, { type: 'task.mark_requested', taskId: 'd', status: 'succeeded', by: 'admin', reason: 'checked by hand' })
    assert.equal(succeeded.state.run.status, 'succeeded')
    assert.equal(succeeded.state.run.tasksBad, 0)
  })

  test('a running task marked succeeded is aborted first', () => {
    const state = stateOf(WF, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'running', attempt: 2, nSucceeded: 1, workerId: 'w1' } })
    const d = decide(state, { type: 'task.mark_requested', taskId: 'b', status: 'succeeded', by: 'admin', reason: 'done elsewhere' }, T0)
    assert.deepEqual(d.aborts.map((a) => [a.taskId, a.attempt]), [['b', 2]])
  })

  test('marking a task with the status it has is ignored', () => {
    assert.match(decide(FAILED_RUN, { type: 'task.mark_requested', taskId: 'b', status: 'failed', by: 'a', reason: 'r' }, T0).ignored ?? '', /already failed/)
  })
})

describe('approval tasks', () => {
  const APPROVAL: WorkflowDefinitionInput = {
    name: 'gated',
    tasks: { extract: {}, sign_off: { after: ['extract'], kind: 'approval', timeout: '1h', retry: { attempts: 3 } }, load: { after: ['sign_off'] } },
  }
  const waiting = (): MachineState => {
    const s = settle(stateOf(APPROVAL, { extract: { status: 'succeeded', attempt: 1 } }), { type: 'upstream.resolved', taskId: 'sign_off', upstreamId: 'extract', outcome: 'succeeded' })
    return s.state
  }

  test('waits in running without a command or a worker, with its timeout as the deadline', () => {
    const s = settle(stateOf(APPROVAL, { extract: { status: 'succeeded', attempt: 1 } }), { type: 'upstream.resolved', taskId: 'sign_off', upstreamId: 'extract', outcome: 'succeeded' })
    assert.equal(s.state.tasks.get('sign_off')!.status, 'running')
    assert.equal(s.state.tasks.get('sign_off')!.workerId, null)
    assert.deepEqual(dispatched(s), [])
    assert.deepEqual(s.decisions[0]!.setTimers, [{ kind: TimerKind.execution, taskId: 'sign_off', attempt: 1, fireAt: new Date(T0.getTime() + 3_600_000) }])
  })

  test('approved: succeeded with who, when and why as its output; downstream proceeds', () => {
    const s = settle(waiting(), { type: 'approval.decided', taskId: 'sign_off', decision: 'approved', by: 'oidc:ann', reason: 'numbers checked' })
    assert.deepEqual(statusOf(s), { extract: 'succeeded', sign_off: 'succeeded', load: 'queued' })
    const c = s.decisions[0]!.taskChanges.find((x) => x.taskId === 'sign_off')!
    assert.deepEqual(c.set.output, { approved: true, by: 'oidc:ann', reason: 'numbers checked', at: T0.toISOString() })
    assert.deepEqual(s.decisions[0]!.attempts.map((a) => [a.taskId, a.attempt, a.status]), [['sign_off', 1, 'succeeded']])
  })

  test('rejected: failed, not retried, downstream upstream_failed', () => {
    const s = settle(waiting(), { type: 'approval.decided', taskId: 'sign_off', decision: 'rejected', by: 'oidc:bob', reason: 'totals off' })
    assert.deepEqual(statusOf(s), { extract: 'succeeded', sign_off: 'failed', load: 'upstream_failed' })
    assert.equal(s.state.run.status, 'failed')
    const c = s.decisions[0]!.taskChanges.find((x) => x.taskId === 'sign_off')!
    assert.deepEqual(c.set.error, { message: 'rejected by oidc:bob: totals off', retryable: false, kind: 'approval_rejected' })
  })

  test('timed out: failed closed with the reason, despite its retry policy', () => {
    const s = settle(waiting(), { type: 'timer.fired', kind: TimerKind.execution, taskId: 'sign_off', attempt: 1 })
    assert.equal(s.state.tasks.get('sign_off')!.status, 'failed')
    assert.equal(s.decisions[0]!.taskChanges[0]!.set.error?.kind, 'approval_timeout')
    assert.deepEqual(s.decisions[0]!.aborts, [])
  })

  test('a decision for a task that is not waiting, or is not an approval, is ignored with the reason', () => {
    const approved = settle(waiting(), { type: 'approval.decided', taskId: 'sign_off', decision: 'approved', by: 'a', reason: null }).state
    assert.match(decide(approved, { type: 'approval.decided', taskId: 'sign_off', decision: 'rejected', by: 'b', reason: null }, T0).ignored ?? '', /not waiting for approval/)
    assert.match(decide(waiting(), { type: 'approval.decided', taskId: 'extract', decision: 'approved', by: 'a', reason: null }, T0).ignored ?? '', /not an approval task/)
  })

  test('a heartbeat timeout never applies: an approval has only its deadline', () => {
    const s = settle(stateOf(APPROVAL, { extract: { status: 'succeeded', attempt: 1 } }), { type: 'upstream.resolved', taskId: 'sign_off', upstreamId: 'extract', outcome: 'succeeded' })
    assert.ok(s.decisions.every((d) => d.setTimers.every((t) => t.kind === TimerKind.execution)))
  })
})

describe('graph walks', () => {
  const DIAMOND = compileWorkflow({ name: 'diamond', tasks: { a: {}, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] }, e: {} } })
  test('descendants and ancestors follow every path once and exclude the task itself', () => {
    assert.deepEqual([...descendants(DIAMOND, 'a')].sort(), ['b', 'c', 'd'])
    assert.deepEqual([...ancestors(DIAMOND, 'd')].sort(), ['a', 'b', 'c'])
    assert.deepEqual([...descendants(DIAMOND, 'e')], [])
    assert.deepEqual(DIAMOND.order.indexOf('a') < DIAMOND.order.indexOf('d'), true)
  })
})
