import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { compileWorkflow, type TaskStatus, type WorkflowDefinitionInput } from '@baton/shared'
import { decide, FANOUT_CHUNK, FANOUT_CHUNK_MAX, fanoutChunkEnd, tasksToPrefetch } from './run-machine.js'
import { TimerKind, type Decision, type MachineEvent, type MachineState, type TaskView } from './types.js'

// A wide fan-out is told a chunk per transaction (run-machine.ts, FANOUT_CHUNK): these tests
// follow one parent through every chunk and check each child hears once, and only then.

const T0 = new Date('2026-06-01T06:00:00.000Z')

function fanOut(width: number, extra: Partial<WorkflowDefinitionInput['tasks'][string]> = {}): WorkflowDefinitionInput {
  const tasks: WorkflowDefinitionInput['tasks'] = { parent: { ...extra } }
  for (let i = 0; i < width; i++) tasks[`c${i}`] = { after: ['parent'] }
  return { name: 'fan', tasks }
}

function stateOf(def: WorkflowDefinitionInput, parent: Partial<TaskView>): MachineState {
  const workflow = compileWorkflow(def)
  const tasks = new Map<string, TaskView>()
  for (const [id, t] of workflow.tasks) {
    tasks.set(id, { taskId: id, status: 'pending', attempt: 0, attemptBase: 0, nUpstream: t.upstream.length, nSucceeded: 0, nFailed: 0, nSkipped: 0, workerId: null })
  }
  tasks.set('parent', { ...tasks.get('parent')!, ...parent })
  const terminal = ['succeeded', 'failed', 'skipped', 'upstream_failed', 'cancelled'].includes(parent.status ?? 'pending') ? 1 : 0
  return { run: { id: 'run-1', workflow: 'fan', status: 'running', partition: null, tasksTotal: tasks.size, tasksTerminal: terminal, tasksBad: 0, cancelReason: null }, tasks, workflow }
}

const continuation = (attempt: number, nextIndex: number): MachineEvent => ({ type: 'timer.fired', kind: TimerKind.fanout, taskId: 'parent', attempt, nextIndex })
const told = (d: Decision): string[] => d.followUps.map((f) => (f.type === 'upstream.resolved' ? f.taskId : `?${f.type}`))

/** Follows a parent's fan-out to its end: the children told, in order, and the continuations. */
function followFanOut(state: MachineState, first: Decision, attempt: number): { told: string[]; continuations: number[] } {
  const all = [...told(first)]
  const continuations: number[] = []
  let next = first.setTimers.find((t) => t.kind === TimerKind.fanout)
  while (next) {
    assert.equal(next.fireAt.getTime(), T0.getTime(), 'a continuation is due at once')
    assert.equal(next.attempt, attempt, 'keyed by the attempt whose outcome it carries')
    continuations.push(next.nextIndex!)
    const d = decide(state, continuation(attempt, next.nextIndex!), T0)
    assert.equal(d.ignored, undefined)
    assert.deepEqual(d.taskChanges, [], 'a continuation changes no task itself')
    all.push(...told(d))
    next = d.setTimers.find((t) => t.kind === TimerKind.fanout)
  }
  return { told: all, continuations }
}

describe('fan-out in chunks', () => {
  test('chunk ends: the first is FANOUT_CHUNK, later ones double up to FANOUT_CHUNK_MAX, and they tile 0..n exactly', () => {
    for (const n of [0, 1, FANOUT_CHUNK - 1, FANOUT_CHUNK, FANOUT_CHUNK + 1, 1000, 4321, 10_000, 100_000]) {
      const ends: number[] = []
      for (let from = 0; from < n; from = fanoutChunkEnd(from, n)) {
        const end = fanoutChunkEnd(from, n)
        assert.ok(end > from, `progress from ${from} of ${n}`)
        assert.ok(end - from <= Math.max(FANOUT_CHUNK, Math.min(FANOUT_CHUNK_MAX, from)), `chunk size at ${from}`)
        ends.push(end)
      }
      if (n > 0) assert.equal(ends.at(-1), n, `the last chunk ends at ${n}`)
      if (n > 0) assert.equal(ends[0], Math.min(n, FANOUT_CHUNK), 'the first chunk')
    }
  })

  test('a parent succeeding with 10,000 children tells each child exactly once, in definition order, a chunk per decision', () => {
    const width = 10_000
    const running = stateOf(fanOut(width), { status: 'running', attempt: 1, workerId: 'w1' })
    const first = decide(running, { type: 'task.succeeded', taskId: 'parent', attempt: 1, workerId: 'w1', eventId: 'e1', output: null }, T0)
    assert.equal(first.followUps.length, FANOUT_CHUNK, 'the finishing transaction tells only the first chunk')
    const done = stateOf(fanOut(width), { status: 'succeeded', attempt: 1, workerId: 'w1' })
    const { told: all, continuations } = followFanOut(done, first, 1)
    assert.deepEqual(all, Array.from({ length: width }, (_x, i) => `c${i}`))
    assert.deepEqual(continuations, [200, 400, 800, 1600, 3200, 5200, 7200, 9200])
    for (const d of [first, decide(done, continuation(1, 200), T0)]) for (const f of d.followUps) assert.deepEqual(f.type === 'upstream.resolved' && [f.upstreamId, f.outcome], ['parent', 'succeeded'])
  })

  test('the outcome each chunk carries is the parent’s: failed and upstream_failed tell failed, skipped tells skipped', () => {
    const cases: [TaskStatus, 'failed' | 'skipped'][] = [
      ['failed', 'failed'],
      ['upstream_failed', 'failed'],
      ['skipped', 'skipped'],
    ]
    for (const [status, outcome] of cases) {
      const d = decide(stateOf(fanOut(500), { status, attempt: 1 }), continuation(1, 200), T0)
      assert.deepEqual(new Set(d.followUps.map((f) => f.type === 'upstream.resolved' && f.outcome)), new Set([outcome]), status)
      assert.equal(d.followUps.length, 200, status)
    }
  })

  test('a continuation for another attempt of the parent, or for a parent reopened or cancelled since, is ignored', () => {
    const cases: [Partial<TaskView>, number][] = [
      [{ status: 'succeeded', attempt: 2 }, 1], // succeeded again since: its own fan-out tells the children
      [{ status: 'pending', attempt: 1 }, 1], // cleared by an operator
      [{ status: 'queued', attempt: 2 }, 1], // retried from failure
      [{ status: 'cancelled', attempt: 1 }, 1],
    ]
    for (const [parent, attempt] of cases) {
      const d = decide(stateOf(fanOut(500), parent), continuation(attempt, 200), T0)
      assert.equal(typeof d.ignored, 'string', JSON.stringify(parent))
      assert.deepEqual([d.followUps, d.setTimers, d.taskChanges], [[], [], []], JSON.stringify(parent))
    }
  })

  test('children told twice would count twice: a continuation re-fired after its chunk was applied finds them queued and changes nothing', () => {
    const state = stateOf(fanOut(500), { status: 'succeeded', attempt: 1 })
    const tasks = state.tasks as Map<string, TaskView>
    for (let i = 200; i < 400; i++) tasks.set(`c${i}`, { ...tasks.get(`c${i}`)!, status: 'queued', attempt: 1, nSucceeded: 1 })
    const d = decide(state, continuation(1, 200), T0)
    for (const f of d.followUps) {
      const child = decide(state, f, T0)
      assert.equal(typeof child.ignored, 'string', `${f.type === 'upstream.resolved' && f.taskId} is not counted again`)
    }
  })

  test('a branch tells all its downstream at once: its choice comes from its output, which a later chunk would not see', () => {
    const d = decide(stateOf(fanOut(500, { kind: 'branch' }), { status: 'running', attempt: 1, workerId: 'w1' }), { type: 'task.succeeded', taskId: 'parent', attempt: 1, workerId: 'w1', eventId: 'e1', output: { branch: 'c7' } }, T0)
    assert.equal(d.followUps.length, 500)
    assert.deepEqual(d.setTimers.filter((t) => t.kind === TimerKind.fanout), [])
  })

  test('the shell prefetches the parent and only the chunk a decision will tell', () => {
    const state = stateOf(fanOut(1000), { status: 'succeeded', attempt: 1 })
    const onSuccess = tasksToPrefetch({ type: 'task.succeeded', taskId: 'parent', attempt: 1, workerId: 'w1', eventId: 'e', output: null }, state)
    assert.deepEqual(onSuccess, ['parent', ...Array.from({ length: 200 }, (_x, i) => `c${i}`)])
    const onContinuation = tasksToPrefetch(continuation(1, 200), state)
    assert.deepEqual(onContinuation, ['parent', ...Array.from({ length: 200 }, (_x, i) => `c${200 + i}`)])
  })
})
