import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { compileWorkflow, isTerminalTaskStatus, TaskStatus, type RunStatus, type TaskError, type WorkflowDefinitionInput } from '@baton/shared'
import { retryDelayMs } from './backoff.js'
import { decide } from './run-machine.js'
import { TASK_TRANSITIONS } from './transitions.js'
import { TimerKind, type Decision, type MachineEvent, type MachineState, type RunView, type TaskView, type TimerKey } from './types.js'

// ---------------------------------------------------------------------------------------------
// Fixtures: small builders with overrides.

const T0 = new Date('2026-06-01T06:00:00.000Z')
const at = (ms: number): Date => new Date(T0.getTime() + ms)
const RUN_ID = 'run-1'

const BAD: readonly TaskStatus[] = ['failed', 'upstream_failed']

/**
 * A machine state for `def`: every task `pending` at attempt 0 unless overridden; run counters
 * derived from the task statuses unless overridden.
 */
function stateOf(def: WorkflowDefinitionInput, taskOverrides: Record<string, Partial<Omit<TaskView, 'taskId'>>> = {}, runOverrides: Partial<RunView> = {}): MachineState {
  const workflow = compileWorkflow(def)
  for (const id of Object.keys(taskOverrides)) assert.ok(workflow.tasks.has(id), `fixture names unknown task ${id}`)
  const tasks = new Map<string, TaskView>()
  for (const [id, t] of workflow.tasks) {
    tasks.set(id, {
      taskId: id,
      status: 'pending',
      attempt: 0,
      attemptBase: 0,
      nUpstream: t.upstream.length,
      nSucceeded: 0,
      nFailed: 0,
      nSkipped: 0,
      workerId: null,
      ...taskOverrides[id],
    })
  }
  const views = [...tasks.values()]
  const run: RunView = {
    id: RUN_ID,
    workflow: workflow.name,
    status: 'running',
    partition: null,
    tasksTotal: tasks.size,
    tasksTerminal: views.filter((t) => isTerminalTaskStatus(t.status)).length,
    tasksBad: views.filter((t) => BAD.includes(t.status)).length,
    cancelReason: null,
    ...runOverrides,
  }
  return { run, tasks, workflow }
}

/** a → b → c; b retries (3 attempts) and has every timeout configured. */
const CHAIN: WorkflowDefinitionInput = {
  name: 'chain',
  tasks: {
    a: {},
    b: { after: ['a'], retry: { attempts: 3, backoff: '2s', factor: 2 }, timeout: { execution: '5m', heartbeat: '30s', scheduleToStart: '1m' } },
    c: { after: ['b'] },
  },
}
const B_HEARTBEAT_MS = 30_000
const B_EXECUTION_MS = 300_000
const B_SCHEDULE_TO_START_MS = 60_000

const started = (taskId: string, attempt: number, workerId = 'w1'): MachineEvent => ({ type: 'task.started', taskId, attempt, workerId, eventId: `e-start-${taskId}-${attempt}` })
const heartbeat = (taskId: string, attempt: number, workerId = 'w1'): MachineEvent => ({ type: 'task.heartbeat', taskId, attempt, workerId, eventId: `e-hb-${taskId}-${attempt}` })
const succeeded = (taskId: string, attempt: number, output: unknown = { rows: 1 }, workerId = 'w1'): MachineEvent => ({
  type: 'task.succeeded',
  taskId,
  attempt,
  workerId,
  eventId: `e-ok-${taskId}-${attempt}`,
  output,
})
const RETRYABLE: TaskError = { message: 'boom', retryable: true, kind: 'error' }
const FATAL: TaskError = { message: 'bad input', retryable: false, kind: 'error' }
const failed = (taskId: string, attempt: number, error: TaskError = RETRYABLE, workerId = 'w1'): MachineEvent => ({
  type: 'task.failed',
  taskId,
  attempt,
  workerId,
  eventId: `e-fail-${taskId}-${attempt}`,
  error,
})
const timer = (kind: TimerKind, taskId: string, attempt: number): MachineEvent => ({ type: 'timer.fired', kind, taskId, attempt })
const resolved = (taskId: string, upstreamId: string, outcome: 'succeeded' | 'failed' | 'skipped'): MachineEvent => ({ type: 'upstream.resolved', taskId, upstreamId, outcome })
const branchSkipped = (taskId: string, branchId: string): MachineEvent => ({ type: 'branch.skipped', taskId, branchId })

const attemptTimerKeys = (taskId: string, attempt: number): TimerKey[] => [
  { kind: TimerKind.heartbeat, taskId, attempt },
  { kind: TimerKind.execution, taskId, attempt },
  { kind: TimerKind.scheduleToStart, taskId, attempt },
]

/** Sorts timer keys so tests do not depend on emission order. */
const sortedKeys = (keys: readonly TimerKey[]): TimerKey[] =>
  keys.map(({ kind, taskId, attempt }) => ({ kind, taskId, attempt })).sort((x, y) => `${x.taskId}/${x.attempt}/${x.kind}`.localeCompare(`${y.taskId}/${y.attempt}/${y.kind}`))

function onlyChange(d: Decision, taskId?: string): Decision['taskChanges'][number] {
  assert.equal(d.taskChanges.length, 1, `expected one task change, got ${JSON.stringify(d.taskChanges)}`)
  const c = d.taskChanges[0]!
  if (taskId !== undefined) assert.equal(c.taskId, taskId)
  return c
}

/** Asserts the decision changed nothing (no writes, sends or timers); returns its reason. */
function assertIgnored(d: Decision, opts: { abort?: boolean } = {}): string {
  assert.equal(typeof d.ignored, 'string', `expected ignored, got ${JSON.stringify(d)}`)
  assert.ok(d.ignored!.length > 0, 'ignored needs a reason')
  assert.deepEqual(d.taskChanges, [])
  assert.equal(d.runChange, undefined)
  assert.deepEqual(d.attempts, [])
  assert.deepEqual(d.dispatch, [])
  assert.deepEqual(d.setTimers, [])
  assert.deepEqual(d.clearTimers, [])
  assert.deepEqual(d.followUps, [])
  if (opts.abort !== undefined) assert.equal(d.aborts.length, opts.abort ? 1 : 0, `aborts: ${JSON.stringify(d.aborts)}`)
  return d.ignored!
}

/** No decision may move a task that is already terminal, nor claim a `from` it is not in. */
function assertTerminalTasksUntouched(state: MachineState, d: Decision): void {
  for (const c of d.taskChanges) {
    const current = state.tasks.get(c.taskId)
    assert.ok(current, `change for a task not in the state: ${c.taskId}`)
    assert.equal(c.from, current.status, `change.from for ${c.taskId}`)
    assert.ok(!isTerminalTaskStatus(current.status), `decision changes terminal task ${c.taskId} (${current.status}): ${JSON.stringify(c)}`)
  }
}

// ---------------------------------------------------------------------------------------------

describe('every (task status × event) pair', () => {
  const STATUSES = Object.values(TaskStatus)
  const TIMER_KINDS = Object.values(TimerKind)

  /** The task under test is `b` of CHAIN; its attempt and worker follow from its status. */
  const attemptFor = (s: TaskStatus): number => (s === 'pending' || s === 'skipped' || s === 'upstream_failed' ? 0 : 1)
  const workerFor = (s: TaskStatus): string | null => (s === 'running' || s === 'succeeded' || s === 'failed' ? 'w1' : null)

  type Expect =
    | { readonly to: TaskStatus }
    | { readonly ignored: true; readonly abort: boolean }
    | { readonly heartbeatMoved: true }
    | { readonly waits: true }
    /** A fan-out continuation of a finished task: its downstream hear its outcome, nothing else changes. */
    | { readonly notifies: 'succeeded' | 'failed' | 'skipped' }
  const IGN: Expect = { ignored: true, abort: false }
  const IGN_ABORT: Expect = { ignored: true, abort: true }

  const EVENTS = (attempt: number): Record<string, MachineEvent> => ({
    'task.started': started('b', attempt),
    'task.heartbeat': heartbeat('b', attempt),
    'task.succeeded': succeeded('b', attempt),
    'task.failed': failed('b', attempt),
    ...Object.fromEntries(TIMER_KINDS.map((k) => [`timer.fired(${k})`, timer(k, 'b', attempt)])),
    'upstream.resolved': resolved('b', 'a', 'succeeded'),
    'branch.skipped': branchSkipped('b', 'a'),
    'task.ready_check': { type: 'task.ready_check', taskId: 'b' },
  })
  const EVENT_NAMES = Object.keys(EVENTS(1))

  const terminalRow: Record<string, Expect> = Object.fromEntries(
    EVENT_NAMES.map((e) => [e, e === 'task.started' || e === 'task.heartbeat' ? IGN_ABORT : IGN]),
  )

  /** The documented transitions; everything else is ignored. */
  const TABLE: Record<TaskStatus, Record<string, Expect>> = {
    pending: {
      ...terminalRow,
      'upstream.resolved': { to: 'queued' },
      'branch.skipped': { to: 'skipped' },
      // Reopened by an operator; its counters (0 of 1 upstream done in this fixture) say wait.
      'task.ready_check': { waits: true },
    },
    queued: {
      ...terminalRow,
      'task.started': { to: 'running' },
      'task.succeeded': { to: 'succeeded' },
      'task.failed': { to: 'retrying' },
      [`timer.fired(${TimerKind.scheduleToStart})`]: { to: 'retrying' },
    },
    running: {
      ...terminalRow,
      'task.started': IGN, // a duplicate start by the same worker: no abort
      'task.heartbeat': { heartbeatMoved: true },
      'task.succeeded': { to: 'succeeded' },
      'task.failed': { to: 'retrying' },
      [`timer.fired(${TimerKind.heartbeat})`]: { to: 'retrying' },
      [`timer.fired(${TimerKind.execution})`]: { to: 'retrying' },
    },
    retrying: {
      ...terminalRow,
      [`timer.fired(${TimerKind.retry})`]: { to: 'queued' },
    },
    succeeded: { ...terminalRow, [`timer.fired(${TimerKind.fanout})`]: { notifies: 'succeeded' } },
    failed: { ...terminalRow, [`timer.fired(${TimerKind.fanout})`]: { notifies: 'failed' } },
    skipped: { ...terminalRow, [`timer.fired(${TimerKind.fanout})`]: { notifies: 'skipped' } },
    upstream_failed: { ...terminalRow, [`timer.fired(${TimerKind.fanout})`]: { notifies: 'failed' } },
    // A cancelled task's downstream are cancelled with the run, never told.
    cancelled: terminalRow,
  }

  test("every transition this table expects is one the product's transition table allows", () => {
    for (const s of STATUSES) {
      for (const expect of Object.values(TABLE[s])) if ('to' in expect) assert.ok(TASK_TRANSITIONS[s].includes(expect.to), `${s} → ${expect.to}`)
    }
  })

  test('the table names every status and every event', () => {
    assert.deepEqual(Object.keys(TABLE).sort(), [...STATUSES].sort())
    for (const s of STATUSES) assert.deepEqual(Object.keys(TABLE[s]).sort(), [...EVENT_NAMES].sort(), s)
    assert.equal(EVENT_NAMES.length, 14) // 4 task events, 7 timer kinds (sla: ignored, the shell alerts; map_expand: the shell expands a live one), 3 internal events
  })

  for (const status of STATUSES) {
    for (const eventName of EVENT_NAMES) {
      const expect = TABLE[status][eventName]!
      const label =
        'to' in expect
          ? `→ ${expect.to}`
          : 'heartbeatMoved' in expect
            ? '→ heartbeat timer moved'
            : 'waits' in expect
              ? '→ keeps waiting'
              : 'notifies' in expect
                ? `→ downstream told ${expect.notifies}`
                : expect.abort
                  ? '→ ignored + abort'
                  : '→ ignored'
      test(`${status} + ${eventName} ${label}`, () => {
        const attempt = attemptFor(status)
        const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status, attempt, workerId: workerFor(status) } })
        const event = EVENTS(attempt)[eventName]!
        const d = decide(state, event, T0)
        assertTerminalTasksUntouched(state, d)
        if ('to' in expect) {
          assert.equal(d.ignored, undefined, `unexpectedly ignored: ${d.ignored}`)
          const c = onlyChange(d, 'b')
          assert.equal(c.from, status)
          assert.equal(c.set.status, expect.to)
        } else if ('waits' in expect) {
          assert.equal(d.ignored, undefined)
          assert.deepEqual([d.taskChanges, d.dispatch, d.setTimers], [[], [], []])
        } else if ('notifies' in expect) {
          assert.equal(d.ignored, undefined)
          assert.deepEqual([d.taskChanges, d.dispatch, d.setTimers], [[], [], []])
          assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'c', upstreamId: 'b', outcome: expect.notifies }])
        } else if ('heartbeatMoved' in expect) {
          assert.equal(d.ignored, undefined)
          assert.deepEqual(d.taskChanges, [])
          assert.deepEqual(d.setTimers, [{ kind: TimerKind.heartbeat, taskId: 'b', attempt, fireAt: at(B_HEARTBEAT_MS) }])
        } else {
          assertIgnored(d, { abort: expect.abort })
          if (expect.abort) assert.deepEqual(d.aborts[0], { taskId: 'b', attempt, workerId: 'w1', reason: d.aborts[0]!.reason })
        }
      })
    }
  }

  test('a terminal task ignores every event, whatever attempt or worker the event names (but its own fan-out continuation)', () => {
    for (const status of STATUSES.filter(isTerminalTaskStatus)) {
      for (const taskAttempt of [0, 1, 2]) {
        const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status, attempt: taskAttempt, workerId: 'w1' } })
        for (const eventAttempt of [0, 1, 2, 3]) {
          for (const worker of ['w1', 'w2']) {
            const events: MachineEvent[] = [
              started('b', eventAttempt, worker),
              heartbeat('b', eventAttempt, worker),
              succeeded('b', eventAttempt, {}, worker),
              failed('b', eventAttempt, RETRYABLE, worker),
              failed('b', eventAttempt, FATAL, worker),
              ...TIMER_KINDS.filter((k) => k !== TimerKind.fanout || eventAttempt !== taskAttempt || status === 'cancelled').map((k) => timer(k, 'b', eventAttempt)),
              resolved('b', 'a', 'succeeded'),
              resolved('b', 'a', 'failed'),
              resolved('b', 'a', 'skipped'),
              branchSkipped('b', 'a'),
              { type: 'task.ready_check', taskId: 'b' },
            ]
            for (const e of events) {
              const d = decide(state, e, T0)
              assertTerminalTasksUntouched(state, d)
              assertIgnored(d)
            }
          }
        }
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------

describe('run.started', () => {
  const WF: WorkflowDefinitionInput = {
    name: 'roots',
    tasks: {
      a: {},
      x: { timeout: { scheduleToStart: '1m' } },
      b: { after: ['a', 'x'] },
      watcher: { after: ['b'], trigger: 'always' },
    },
  }

  test('queues every root at attempt 1 and dispatches it; the run becomes running', () => {
    const state = stateOf(WF, {}, { status: 'queued' })
    const d = decide(state, { type: 'run.started' }, T0)
    assert.equal(d.ignored, undefined)
    assert.deepEqual(d.runChange, { from: 'queued', set: { status: 'running', startedAt: T0 }, reason: 'run started' })
    const queued = d.taskChanges.map((c) => [c.taskId, c.from, c.set.status, c.set.attempt, c.set.queuedAt])
    // `always` tasks are roots: they run whatever their upstreams do.
    assert.deepEqual(queued, [
      ['a', 'pending', 'queued', 1, T0],
      ['x', 'pending', 'queued', 1, T0],
      ['watcher', 'pending', 'queued', 1, T0],
    ])
    assert.deepEqual(d.dispatch, [
      { taskId: 'a', attempt: 1 },
      { taskId: 'x', attempt: 1 },
      { taskId: 'watcher', attempt: 1 },
    ])
    assert.deepEqual(
      d.attempts.map((w) => [w.taskId, w.attempt, w.insert, w.status]),
      [
        ['a', 1, true, 'queued'],
        ['x', 1, true, 'queued'],
        ['watcher', 1, true, 'queued'],
      ],
    )
    assert.ok(!d.taskChanges.some((c) => c.taskId === 'b'), 'a task with upstreams waits')
  })

  test('sets a schedule-to-start timer only for roots that configure one', () => {
    const d = decide(stateOf(WF, {}, { status: 'queued' }), { type: 'run.started' }, T0)
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.scheduleToStart, taskId: 'x', attempt: 1, fireAt: at(60_000) }])
  })

  test('a single-root workflow is queued the same way', () => {
    const d = decide(stateOf(CHAIN, {}, { status: 'queued' }), { type: 'run.started' }, T0)
    assert.deepEqual(d.dispatch, [{ taskId: 'a', attempt: 1 }])
    assert.equal(d.runChange?.set.status, 'running')
    assert.deepEqual(d.setTimers, [])
  })

  test('is ignored once the run is running', () => {
    assertIgnored(decide(stateOf(WF, { a: { status: 'queued', attempt: 1 } }), { type: 'run.started' }, T0))
  })
})

describe('task.started', () => {
  test('queued → running on that worker, with a heartbeat and an execution timer; clears the schedule-to-start timer', () => {
    const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'queued', attempt: 2 } })
    const d = decide(state, started('b', 2, 'w7'), T0)
    const c = onlyChange(d, 'b')
    assert.deepEqual(c.set, { status: 'running', workerId: 'w7', startedAt: T0 })
    assert.deepEqual(d.attempts, [{ taskId: 'b', attempt: 2, status: 'running', workerId: 'w7', at: T0 }])
    assert.deepEqual(d.clearTimers, [{ kind: TimerKind.scheduleToStart, taskId: 'b', attempt: 2 }])
    assert.deepEqual(d.setTimers, [
      { kind: TimerKind.heartbeat, taskId: 'b', attempt: 2, fireAt: at(B_HEARTBEAT_MS) },
      { kind: TimerKind.execution, taskId: 'b', attempt: 2, fireAt: at(B_EXECUTION_MS) },
    ])
    assert.deepEqual(d.aborts, [])
    assert.deepEqual(d.dispatch, [])
  })

  test('a deferred start (published while the handler runs) records when the handler began', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'queued', attempt: 1 } }), { ...started('a', 1, 'w7'), startedAt: at(-50) } as MachineEvent, T0)
    assert.deepEqual(onlyChange(d, 'a').set.startedAt, at(-50))
    assert.deepEqual(d.attempts[0]!.at, at(-50))
    // The timeouts count from when the coordinator learned of the start.
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.heartbeat, taskId: 'a', attempt: 1, fireAt: at(10_000) }])
  })

  test('without an execution timeout only the heartbeat timer (default 10 s) is set', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'queued', attempt: 1 } }), started('a', 1), T0)
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.heartbeat, taskId: 'a', attempt: 1, fireAt: at(10_000) }])
  })

  test('a duplicate start by the same worker is ignored without an abort', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'running', attempt: 1, workerId: 'w1' } }), started('a', 1, 'w1'), T0)
    assert.equal(assertIgnored(d, { abort: false }), 'duplicate start')
  })

  test('a start by another worker is ignored and that worker is told to abort', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'running', attempt: 1, workerId: 'w1' } }), started('a', 1, 'w2'), T0)
    const reason = assertIgnored(d, { abort: true })
    assert.match(reason, /running/)
    assert.deepEqual(d.aborts, [{ taskId: 'a', attempt: 1, workerId: 'w2', reason }])
  })

  test('a start of a stale attempt is ignored and aborted', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'queued', attempt: 2 } }), started('a', 1, 'w1'), T0)
    const reason = assertIgnored(d, { abort: true })
    assert.match(reason, /stale attempt 1/)
    assert.deepEqual(d.aborts, [{ taskId: 'a', attempt: 1, workerId: 'w1', reason }])
  })

  test('a start for an unknown task is ignored and aborted', () => {
    const d = decide(stateOf(CHAIN), started('nope', 1), T0)
    assert.equal(assertIgnored(d, { abort: true }), 'unknown task')
  })
})

describe('task.heartbeat', () => {
  test('moves the heartbeat timer of the running attempt', () => {
    const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'running', attempt: 1, workerId: 'w1' } })
    const d = decide(state, heartbeat('b', 1), at(12_345))
    assert.equal(d.ignored, undefined)
    assert.deepEqual(d.taskChanges, [])
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.heartbeat, taskId: 'b', attempt: 1, fireAt: at(12_345 + B_HEARTBEAT_MS) }])
    assert.deepEqual(d.clearTimers, [])
    assert.deepEqual(d.aborts, [])
    assert.equal(d.runChange, undefined)
  })

  test('from another worker is ignored and aborted', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'running', attempt: 1, workerId: 'w1' } }), heartbeat('a', 1, 'w2'), T0)
    const reason = assertIgnored(d, { abort: true })
    assert.match(reason, /w1/)
    assert.equal(d.aborts[0]!.workerId, 'w2')
  })

  test('of a stale attempt is ignored and aborted', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'running', attempt: 2, workerId: 'w1' } }), heartbeat('a', 1, 'w1'), T0)
    assert.match(assertIgnored(d, { abort: true }), /stale attempt 1/)
  })
})

describe('task.succeeded', () => {
  const FAN: WorkflowDefinitionInput = { name: 'fan', tasks: { a: {}, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] } } }

  test('running → succeeded: stores output, clears the attempt timers, counts the run, resolves each downstream', () => {
    const state = stateOf(FAN, { a: { status: 'running', attempt: 1, workerId: 'w1' } })
    const d = decide(state, succeeded('a', 1, { rows: 42 }), T0)
    const c = onlyChange(d, 'a')
    assert.equal(c.from, 'running')
    assert.deepEqual(c.set, { status: 'succeeded', finishedAt: T0, output: { rows: 42 }, workerId: 'w1' })
    assert.deepEqual(sortedKeys(d.clearTimers), sortedKeys(attemptTimerKeys('a', 1)))
    assert.deepEqual(d.setTimers, [])
    assert.deepEqual(d.attempts, [{ taskId: 'a', attempt: 1, status: 'succeeded', workerId: 'w1', at: T0, output: { rows: 42 } }])
    assert.deepEqual(d.runChange, { from: 'running', set: { tasksTerminal: 1, tasksBad: 0 } })
    assert.deepEqual(d.followUps, [
      { type: 'upstream.resolved', taskId: 'b', upstreamId: 'a', outcome: 'succeeded' },
      { type: 'upstream.resolved', taskId: 'c', upstreamId: 'a', outcome: 'succeeded' },
    ])
    assert.deepEqual(d.dispatch, [])
  })

  test('a result for a queued attempt (start never seen) also succeeds it, and implies the start', () => {
    const d = decide(stateOf(FAN, { a: { status: 'queued', attempt: 1 } }), succeeded('a', 1, null, 'w3'), T0)
    assert.deepEqual(onlyChange(d, 'a').set, { status: 'succeeded', finishedAt: T0, output: null, workerId: 'w3', startedAt: T0 })
    assert.deepEqual(d.attempts, [{ taskId: 'a', attempt: 1, status: 'succeeded', workerId: 'w3', at: T0, startedAt: T0, output: null }])
  })

  test('a deferred start: the result carries when the handler began, and the task and attempt keep it', () => {
    const began = at(-40)
    const d = decide(stateOf(FAN, { a: { status: 'queued', attempt: 1 } }), { ...succeeded('a', 1, null, 'w3'), startedAt: began } as MachineEvent, T0)
    assert.deepEqual(onlyChange(d, 'a').set.startedAt, began)
    assert.deepEqual(d.attempts[0]!.startedAt, began)
  })

  test('a start reported after the result was seen (worker clock ahead) is taken as the result time', () => {
    const d = decide(stateOf(FAN, { a: { status: 'queued', attempt: 1 } }), { ...succeeded('a', 1, null, 'w3'), startedAt: at(5000) } as MachineEvent, T0)
    assert.deepEqual(onlyChange(d, 'a').set.startedAt, T0)
  })

  test('a result for a running attempt keeps the start already recorded', () => {
    const d = decide(stateOf(FAN, { a: { status: 'running', attempt: 1, workerId: 'w3' } }), { ...succeeded('a', 1, null, 'w3'), startedAt: at(-40) } as MachineEvent, T0)
    assert.equal('startedAt' in onlyChange(d, 'a').set, false)
    assert.equal(d.attempts[0]!.startedAt, undefined)
  })

  test('a missing output is stored as null', () => {
    const e = { type: 'task.succeeded', taskId: 'a', attempt: 1, workerId: 'w1', eventId: 'e', output: undefined } as const
    const d = decide(stateOf(FAN, { a: { status: 'running', attempt: 1, workerId: 'w1' } }), e, T0)
    assert.equal(onlyChange(d).set.output, null)
    assert.equal(d.attempts[0]!.output, null)
  })

  test('the last task to finish succeeds the run', () => {
    const state = stateOf(FAN, {
      a: { status: 'succeeded', attempt: 1 },
      b: { status: 'succeeded', attempt: 1 },
      c: { status: 'skipped' },
      d: { status: 'running', attempt: 1, workerId: 'w1' },
    })
    const d = decide(state, succeeded('d', 1), T0)
    assert.deepEqual(d.runChange, { from: 'running', set: { tasksTerminal: 4, tasksBad: 0, status: 'succeeded', finishedAt: T0 }, reason: 'every task finished' })
    assert.deepEqual(d.followUps, [])
  })

  test('the last task to finish fails the run when any task failed', () => {
    const state = stateOf(FAN, {
      a: { status: 'succeeded', attempt: 1 },
      b: { status: 'failed', attempt: 1 },
      c: { status: 'succeeded', attempt: 1 },
      d: { status: 'pending', nSucceeded: 1 },
    })
    // d (all_success) becomes upstream_failed when b's failure arrives: 2 bad tasks, run failed.
    const d = decide(state, resolved('d', 'b', 'failed'), T0)
    assert.equal(onlyChange(d, 'd').set.status, 'upstream_failed')
    assert.equal(d.runChange?.set.status, 'failed')
    assert.equal(d.runChange?.set.tasksBad, 2)
    assert.match(d.runChange?.reason ?? '', /2 task\(s\) failed or upstream_failed/)
  })

  test('a run whose last task succeeds is failed if an earlier task failed', () => {
    const WF: WorkflowDefinitionInput = { name: 'two', tasks: { a: {}, b: {} } }
    const d = decide(stateOf(WF, { a: { status: 'failed', attempt: 1 }, b: { status: 'running', attempt: 1, workerId: 'w1' } }), succeeded('b', 1), T0)
    assert.equal(d.runChange?.set.status, 'failed')
    assert.equal(d.runChange?.set.tasksBad, 1)
  })

  test('a result of a stale attempt is ignored', () => {
    const d = decide(stateOf(FAN, { a: { status: 'queued', attempt: 2 } }), succeeded('a', 1), T0)
    assert.match(assertIgnored(d, { abort: false }), /stale attempt 1 \(current 2, queued\)/)
  })
})

describe('task.failed', () => {
  const running = (attempt: number) => stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'running', attempt, workerId: 'w1' } })

  test('a failure of a queued attempt (deferred start) implies its start on the task and the attempt, whether it retries or fails', () => {
    const queued = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'queued', attempt: 1 } })
    const retrying = decide(queued, { ...failed('b', 1), startedAt: at(-30) } as MachineEvent, T0)
    assert.equal(onlyChange(retrying, 'b').set.status, 'retrying')
    assert.deepEqual(onlyChange(retrying, 'b').set.startedAt, at(-30))
    assert.deepEqual(retrying.attempts[0]!.startedAt, at(-30))
    const final = decide(queued, { ...failed('b', 1, { message: 'no', retryable: false, kind: 'error' }), startedAt: at(-30) } as MachineEvent, T0)
    assert.equal(final.taskChanges.find((c) => c.taskId === 'b')!.set.status, 'failed')
    assert.deepEqual(final.taskChanges.find((c) => c.taskId === 'b')!.set.startedAt, at(-30))
  })

  test('a schedule-to-start timeout of a queued attempt implies no start', () => {
    const queued = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'queued', attempt: 1 } })
    const d = decide(queued, { type: 'timer.fired', kind: TimerKind.scheduleToStart, taskId: 'b', attempt: 1 }, T0)
    assert.equal('startedAt' in onlyChange(d, 'b').set, false)
    assert.equal(d.attempts[0]!.startedAt, undefined)
  })

  test('a retryable failure with attempts left → retrying, with a retry timer at now + retryDelayMs', () => {
    const state = running(1)
    const d = decide(state, failed('b', 1), T0)
    const c = onlyChange(d, 'b')
    assert.equal(c.set.status, 'retrying')
    assert.deepEqual(c.set.error, RETRYABLE)
    const delay = retryDelayMs(state.workflow.tasks.get('b')!.retry, 1, `${RUN_ID}:b`)
    assert.ok(delay > 0 && delay <= 2000, `delay ${delay}`)
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.retry, taskId: 'b', attempt: 1, fireAt: at(delay) }])
    assert.deepEqual(sortedKeys(d.clearTimers), sortedKeys(attemptTimerKeys('b', 1)))
    assert.deepEqual(d.attempts, [{ taskId: 'b', attempt: 1, status: 'failed', at: T0, error: RETRYABLE, workerId: 'w1' }])
    assert.deepEqual(d.followUps, [])
    assert.equal(d.runChange, undefined)
    assert.deepEqual(d.dispatch, [])
  })

  test('the second retry waits longer (exponential backoff)', () => {
    const state = running(2)
    const d = decide(state, failed('b', 2), T0)
    const delay = retryDelayMs(state.workflow.tasks.get('b')!.retry, 2, `${RUN_ID}:b`)
    assert.ok(delay > 2000 && delay <= 4000, `delay ${delay}`)
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.retry, taskId: 'b', attempt: 2, fireAt: at(delay) }])
  })

  test('a non-retryable failure → failed, and downstream are resolved as failed', () => {
    const d = decide(running(1), failed('b', 1, FATAL), T0)
    const c = onlyChange(d, 'b')
    assert.deepEqual(c.set, { status: 'failed', finishedAt: T0, error: FATAL })
    assert.match(c.reason ?? '', /not retryable/)
    assert.deepEqual(d.setTimers, [])
    assert.deepEqual(sortedKeys(d.clearTimers), sortedKeys(attemptTimerKeys('b', 1)))
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'c', upstreamId: 'b', outcome: 'failed' }])
    assert.deepEqual(d.runChange, { from: 'running', set: { tasksTerminal: 2, tasksBad: 1 } })
    assert.deepEqual(d.attempts, [{ taskId: 'b', attempt: 1, status: 'failed', at: T0, error: FATAL, workerId: 'w1' }])
  })

  test('a retryable failure of the last allowed attempt → failed', () => {
    const d = decide(running(3), failed('b', 3), T0)
    assert.equal(onlyChange(d, 'b').set.status, 'failed')
    assert.match(d.taskChanges[0]!.reason ?? '', /attempt 3 of 3/)
    assert.deepEqual(d.setTimers, [])
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'c', upstreamId: 'b', outcome: 'failed' }])
  })

  test('a task with the default retry policy (1 attempt) fails at once', () => {
    const d = decide(stateOf(CHAIN, { a: { status: 'running', attempt: 1, workerId: 'w1' } }), failed('a', 1), T0)
    assert.equal(onlyChange(d, 'a').set.status, 'failed')
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'b', upstreamId: 'a', outcome: 'failed' }])
  })

  test('a failure of a stale attempt is ignored', () => {
    const d = decide(running(2), failed('b', 1), T0)
    assert.match(assertIgnored(d, { abort: false }), /stale attempt 1/)
  })
})

describe('retry timer', () => {
  test('fires → queued with attempt + 1, dispatched, with a new schedule-to-start timer', () => {
    const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'retrying', attempt: 1 } })
    const d = decide(state, timer(TimerKind.retry, 'b', 1), T0)
    const c = onlyChange(d, 'b')
    assert.deepEqual(c.set, { status: 'queued', attempt: 2, workerId: null, error: null, queuedAt: T0 })
    assert.deepEqual(d.dispatch, [{ taskId: 'b', attempt: 2 }])
    assert.deepEqual(d.attempts, [{ taskId: 'b', attempt: 2, insert: true, status: 'queued', at: T0 }])
    assert.deepEqual(d.setTimers, [{ kind: TimerKind.scheduleToStart, taskId: 'b', attempt: 2, fireAt: at(B_SCHEDULE_TO_START_MS) }])
  })

  test('a stale retry timer is ignored', () => {
    const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status: 'retrying', attempt: 2 } })
    assertIgnored(decide(state, timer(TimerKind.retry, 'b', 1), T0))
  })
})

describe('timeouts', () => {
  const cases = [
    [TimerKind.heartbeat, 'running'],
    [TimerKind.execution, 'running'],
    [TimerKind.scheduleToStart, 'queued'],
  ] as const
  for (const [kind, status] of cases) {
    test(`${kind} on a ${status} attempt with attempts left → retrying, error kind ${kind}, abort`, () => {
      const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status, attempt: 1, workerId: status === 'running' ? 'w1' : null } })
      const d = decide(state, timer(kind, 'b', 1), T0)
      const c = onlyChange(d, 'b')
      assert.equal(c.set.status, 'retrying')
      assert.equal(c.set.error?.kind, kind)
      assert.equal(c.set.error?.retryable, true)
      assert.equal(d.attempts.length, 1)
      assert.equal(d.attempts[0]!.status, 'failed')
      assert.equal(d.attempts[0]!.error?.kind, kind)
      assert.equal(d.attempts[0]!.workerId, status === 'running' ? 'w1' : undefined)
      assert.deepEqual(d.aborts, [{ taskId: 'b', attempt: 1, reason: c.set.error?.message }])
      assert.equal(d.setTimers.length, 1)
      assert.equal(d.setTimers[0]!.kind, TimerKind.retry)
    })

    test(`${kind} on the last attempt → failed, error kind ${kind}, abort, downstream resolved failed`, () => {
      const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status, attempt: 3, workerId: status === 'running' ? 'w1' : null } })
      const d = decide(state, timer(kind, 'b', 3), T0)
      const c = onlyChange(d, 'b')
      assert.equal(c.set.status, 'failed')
      assert.equal(c.set.error?.kind, kind)
      assert.equal(d.attempts[0]!.error?.kind, kind)
      assert.deepEqual(d.aborts, [{ taskId: 'b', attempt: 3, reason: c.set.error?.message }])
      assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'c', upstreamId: 'b', outcome: 'failed' }])
      assert.deepEqual(sortedKeys(d.clearTimers), sortedKeys(attemptTimerKeys('b', 3)))
    })

    test(`a stale ${kind} timer is ignored`, () => {
      const state = stateOf(CHAIN, { a: { status: 'succeeded', attempt: 1 }, b: { status, attempt: 2, workerId: status === 'running' ? 'w1' : null } })
      assertIgnored(decide(state, timer(kind, 'b', 1), T0), { abort: false })
    })
  }
})

describe('check tasks', () => {
  const WF: WorkflowDefinitionInput = {
    name: 'checked',
    tasks: { build: {}, check: { after: ['build'], kind: 'check', retry: { attempts: 5 } }, publish: { after: ['check'] } },
  }
  const state = stateOf(WF, { build: { status: 'succeeded', attempt: 1 }, check: { status: 'running', attempt: 1, workerId: 'w1' } })

  test('an output with passed:false fails the task without retry, kind check_failed', () => {
    const output = { passed: false, failures: 3 }
    const d = decide(state, succeeded('check', 1, output), T0)
    const c = onlyChange(d, 'check')
    assert.equal(c.set.status, 'failed')
    assert.equal(c.set.error?.kind, 'check_failed')
    assert.equal(c.set.error?.retryable, false)
    assert.deepEqual(d.setTimers, [])
    assert.equal(d.attempts[0]!.status, 'failed')
    assert.deepEqual(d.attempts[0]!.details, { check: output })
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'publish', upstreamId: 'check', outcome: 'failed' }])
  })

  test('an output with passed:true succeeds', () => {
    assert.equal(onlyChange(decide(state, succeeded('check', 1, { passed: true }), T0)).set.status, 'succeeded')
    assert.equal(onlyChange(decide(state, succeeded('check', 1, { passed: true, details: '0 bad rows', sample: [] }), T0)).set.status, 'succeeded')
  })

  test('an output with no verdict fails the check without retry, kind check_invalid, and holds back downstream', () => {
    for (const output of [{ rows: 1 }, null, 'ok', { passed: 'yes' }, { passed: 1 }]) {
      const d = decide(state, succeeded('check', 1, output), T0)
      const c = onlyChange(d, 'check')
      assert.equal(c.set.status, 'failed', JSON.stringify(output))
      assert.equal(c.set.error?.kind, 'check_invalid')
      assert.match(c.set.error?.message ?? '', /no verdict/)
      assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'publish', upstreamId: 'check', outcome: 'failed' }])
    }
  })

  test('passed:false from a plain task is just output', () => {
    const s = stateOf(WF, { build: { status: 'running', attempt: 1, workerId: 'w1' } })
    assert.equal(onlyChange(decide(s, succeeded('build', 1, { passed: false }), T0)).set.status, 'succeeded')
  })
})

describe('branch tasks', () => {
  const WF: WorkflowDefinitionInput = {
    name: 'branchy',
    tasks: { pick: { kind: 'branch' }, x: { after: ['pick'] }, y: { after: ['pick'] }, z: { after: ['pick'] }, after_y: { after: ['y'] } },
  }
  const state = stateOf(WF, { pick: { status: 'running', attempt: 1, workerId: 'w1' } })
  const followUpsFor = (output: unknown) => decide(state, succeeded('pick', 1, output), T0).followUps

  test('the chosen downstream are resolved, the others get branch.skipped', () => {
    assert.deepEqual(followUpsFor({ branch: 'x' }), [
      { type: 'upstream.resolved', taskId: 'x', upstreamId: 'pick', outcome: 'succeeded' },
      { type: 'branch.skipped', taskId: 'y', branchId: 'pick' },
      { type: 'branch.skipped', taskId: 'z', branchId: 'pick' },
    ])
  })

  test('a list of branches, or the output itself, names the choice', () => {
    assert.deepEqual(
      followUpsFor({ branch: ['x', 'z'] }).map((f) => [f.type, 'taskId' in f ? f.taskId : '']),
      [
        ['upstream.resolved', 'x'],
        ['branch.skipped', 'y'],
        ['upstream.resolved', 'z'],
      ],
    )
    assert.deepEqual(
      followUpsFor('y').map((f) => f.type),
      ['branch.skipped', 'upstream.resolved', 'branch.skipped'],
    )
  })

  test('{ follow } is the documented form of the choice', () => {
    assert.deepEqual(
      followUpsFor({ follow: ['z'] }).map((f) => f.type),
      ['branch.skipped', 'branch.skipped', 'upstream.resolved'],
    )
  })

  test('a choice naming a task not directly downstream fails the branch at once, even with retries left, and its downstream learn it failed', () => {
    const retrying = stateOf({ ...WF, tasks: { ...WF.tasks, pick: { kind: 'branch', retry: { attempts: 3 } } } }, { pick: { status: 'running', attempt: 1, workerId: 'w1' } })
    const d = decide(retrying, succeeded('pick', 1, { follow: ['after_y'] }), T0)
    const c = onlyChange(d, 'pick')
    assert.equal(c.set.status, 'failed')
    assert.equal(c.set.error?.kind, 'branch_invalid')
    assert.match(c.set.error!.message, /branch pick chose 'after_y', which is not directly downstream of it \(choose from: x, y, z\)/)
    assert.deepEqual(d.attempts.map((a) => [a.status, a.details]), [['failed', { branch: { follow: ['after_y'] } }]])
    assert.deepEqual(
      d.followUps.map((f) => [f.type, 'taskId' in f ? f.taskId : '', f.type === 'upstream.resolved' ? f.outcome : '']),
      [
        ['upstream.resolved', 'x', 'failed'],
        ['upstream.resolved', 'y', 'failed'],
        ['upstream.resolved', 'z', 'failed'],
      ],
    )
  })

  test('branch.skipped skips a pending task and propagates skipped to its downstream', () => {
    const d = decide(state, branchSkipped('y', 'pick'), T0)
    const c = onlyChange(d, 'y')
    assert.equal(c.set.status, 'skipped')
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'after_y', upstreamId: 'y', outcome: 'skipped' }])
    assert.deepEqual(d.runChange, { from: 'running', set: { tasksTerminal: 1, tasksBad: 0 } })
  })
})

describe('upstream.resolved', () => {
  const WF: WorkflowDefinitionInput = { name: 'join', tasks: { a: {}, b: {}, j: { after: ['a', 'b'] }, k: { after: ['j'] } } }

  test('counts the outcome and waits while the rule is open', () => {
    const d = decide(stateOf(WF, { a: { status: 'succeeded', attempt: 1 } }), resolved('j', 'a', 'succeeded'), T0)
    assert.equal(d.ignored, undefined)
    assert.deepEqual(d.taskChanges, [{ taskId: 'j', from: 'pending', set: { nSucceeded: 1, nFailed: 0, nSkipped: 0 } }])
    assert.deepEqual(d.dispatch, [])
    assert.equal(d.runChange, undefined)
  })

  test('queues the task when its rule is met, keeping the counts', () => {
    const d = decide(stateOf(WF, { j: { nSucceeded: 1 } }), resolved('j', 'b', 'succeeded'), T0)
    const c = onlyChange(d, 'j')
    assert.equal(c.set.status, 'queued')
    assert.equal(c.set.nSucceeded, 2)
    assert.deepEqual(d.dispatch, [{ taskId: 'j', attempt: 1 }])
  })

  test('an unmet rule makes the task upstream_failed and propagates failed', () => {
    const d = decide(stateOf(WF), resolved('j', 'a', 'failed'), T0)
    const c = onlyChange(d, 'j')
    assert.equal(c.set.status, 'upstream_failed')
    assert.equal(c.set.nFailed, 1)
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'k', upstreamId: 'j', outcome: 'failed' }])
    assert.equal(d.runChange?.set.tasksBad, 1)
  })

  test('a skipped upstream makes an all_success task skipped once every upstream is done', () => {
    const d = decide(stateOf(WF, { j: { nSucceeded: 1 } }), resolved('j', 'b', 'skipped'), T0)
    assert.equal(onlyChange(d, 'j').set.status, 'skipped')
    assert.deepEqual(d.followUps, [{ type: 'upstream.resolved', taskId: 'k', upstreamId: 'j', outcome: 'skipped' }])
    assert.equal(d.runChange?.set.tasksBad, 0)
  })
})

describe('run.cancel_requested', () => {
  const WF: WorkflowDefinitionInput = {
    name: 'wide',
    tasks: { p: {}, q: {}, r: {}, t: {}, s: {}, f: {}, k: {} },
  }
  const state = stateOf(WF, {
    p: { status: 'pending' },
    q: { status: 'queued', attempt: 1 },
    r: { status: 'running', attempt: 2, workerId: 'w1' },
    t: { status: 'retrying', attempt: 1 },
    s: { status: 'succeeded', attempt: 1 },
    f: { status: 'failed', attempt: 1 },
    k: { status: 'skipped' },
  })
  const d = decide(state, { type: 'run.cancel_requested', reason: 'operator asked' }, T0)

  test('cancels every non-terminal task and leaves terminal ones alone', () => {
    assertTerminalTasksUntouched(state, d)
    assert.deepEqual(
      d.taskChanges.map((c) => [c.taskId, c.from, c.set.status, c.reason]),
      [
        ['p', 'pending', 'cancelled', 'operator asked'],
        ['q', 'queued', 'cancelled', 'operator asked'],
        ['r', 'running', 'cancelled', 'operator asked'],
        ['t', 'retrying', 'cancelled', 'operator asked'],
      ],
    )
  })

  test('aborts the queued and running attempts and records them cancelled', () => {
    assert.deepEqual(d.aborts, [
      { taskId: 'q', attempt: 1, reason: 'run cancelled' },
      { taskId: 'r', attempt: 2, reason: 'run cancelled' },
    ])
    assert.deepEqual(d.attempts, [
      { taskId: 'q', attempt: 1, status: 'cancelled', at: T0 },
      { taskId: 'r', attempt: 2, status: 'cancelled', at: T0 },
    ])
  })

  test('clears every timer of the cancelled attempts, retry timers included', () => {
    const retry = (taskId: string, attempt: number): TimerKey => ({ kind: TimerKind.retry, taskId, attempt })
    assert.deepEqual(sortedKeys(d.clearTimers), sortedKeys([...attemptTimerKeys('q', 1), retry('q', 1), ...attemptTimerKeys('r', 2), retry('r', 2), ...attemptTimerKeys('t', 1), retry('t', 1)]))
    assert.deepEqual(d.setTimers, [])
    assert.deepEqual(d.dispatch, [])
    assert.deepEqual(d.followUps, [])
  })

  test('the run becomes cancelled with the reason, every task counted terminal', () => {
    assert.deepEqual(d.runChange, {
      from: 'running',
      set: { status: 'cancelled', cancelReason: 'operator asked', finishedAt: T0, tasksTerminal: 7 },
      reason: 'operator asked',
    })
  })

  test('a queued (not yet started) run can be cancelled too', () => {
    const d2 = decide(stateOf(CHAIN, {}, { status: 'queued' }), { type: 'run.cancel_requested', reason: 'no' }, T0)
    assert.equal(d2.runChange?.set.status, 'cancelled')
    assert.equal(d2.taskChanges.length, 3)
    assert.deepEqual(d2.aborts, [])
  })
})

describe('a finished run', () => {
  const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled']
  for (const status of FINISHED) {
    test(`ignores every event when ${status}; start and heartbeat are also aborted`, () => {
      // Task rows deliberately look live: the run status alone must decide.
      const state = stateOf(CHAIN, { a: { status: 'running', attempt: 1, workerId: 'w1' }, b: { status: 'queued', attempt: 1 }, c: { status: 'retrying', attempt: 1 } }, { status })
      const events: MachineEvent[] = [
        { type: 'run.started' },
        { type: 'run.cancel_requested', reason: 'x' },
        started('b', 1, 'w2'),
        heartbeat('a', 1, 'w1'),
        succeeded('a', 1),
        failed('a', 1),
        ...Object.values(TimerKind).flatMap((k) => [timer(k, 'a', 1), timer(k, 'b', 1), timer(k, 'c', 1)]),
        resolved('b', 'a', 'succeeded'),
        branchSkipped('c', 'b'),
        { type: 'task.ready_check', taskId: 'c' },
      ]
      for (const e of events) {
        const d = decide(state, e, T0)
        const abort = e.type === 'task.started' || e.type === 'task.heartbeat'
        assert.equal(assertIgnored(d, { abort }), `run is ${status}`, e.type)
        if (abort) assert.deepEqual(d.aborts, [{ taskId: e.taskId, attempt: e.attempt, workerId: e.workerId, reason: `run ${status}` }])
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------

/** Freezes a value and everything reachable from it; Maps and Sets refuse mutation. */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value
  seen.add(value)
  const refuse = () => {
    throw new TypeError('mutation of frozen state')
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen)
      deepFreeze(v, seen)
    }
    Object.defineProperties(value, { set: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } })
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v, seen)
    Object.defineProperties(value, { add: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } })
  } else if (value instanceof Date) {
    Object.defineProperties(value, Object.fromEntries(['setTime', 'setFullYear', 'setMonth', 'setDate', 'setHours', 'setMinutes', 'setSeconds', 'setMilliseconds'].map((m) => [m, { value: refuse }])))
  }
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen)
  return Object.freeze(value)
}

describe('decide is pure', () => {
  const WF: WorkflowDefinitionInput = {
    name: 'pure',
    tasks: {
      a: { kind: 'branch' },
      b: { after: ['a'], retry: { attempts: 3 }, timeout: { execution: '1m', scheduleToStart: '30s' } },
      c: { after: ['a'], kind: 'check' },
      d: { after: ['b', 'c'], trigger: 'none_failed' },
    },
  }
  const fixtures: readonly [string, Record<string, Partial<TaskView>>, Partial<RunView>, readonly MachineEvent[]][] = [
    ['queued run', {}, { status: 'queued' }, [{ type: 'run.started' }, { type: 'run.cancel_requested', reason: 'r' }]],
    [
      'mid-run',
      { a: { status: 'running', attempt: 1, workerId: 'w1' }, b: { status: 'queued', attempt: 1 }, c: { status: 'retrying', attempt: 1 }, d: { nSucceeded: 1 } },
      {},
      [
        succeeded('a', 1, { branch: 'b' }),
        failed('a', 1, FATAL),
        heartbeat('a', 1),
        started('a', 1, 'w2'),
        started('b', 1),
        succeeded('b', 1),
        failed('b', 1),
        timer(TimerKind.scheduleToStart, 'b', 1),
        timer(TimerKind.heartbeat, 'a', 1),
        timer(TimerKind.execution, 'a', 1),
        timer(TimerKind.retry, 'c', 1),
        resolved('d', 'c', 'failed'),
        resolved('d', 'c', 'skipped'),
        branchSkipped('d', 'a'),
        { type: 'run.cancel_requested', reason: 'r' },
      ],
    ],
    ['finished run', { a: { status: 'succeeded', attempt: 1 } }, { status: 'succeeded' }, [started('a', 1), succeeded('a', 1)]],
  ]

  for (const [name, tasks, run, events] of fixtures) {
    test(`${name}: same inputs give deep-equal decisions and the frozen state is never mutated`, () => {
      const state = stateOf(WF, tasks, run)
      const snapshot = structuredClone({ run: state.run, tasks: state.tasks, definition: state.workflow.definition, compiled: new Map(state.workflow.tasks) })
      deepFreeze(state)
      for (const e of events) {
        const now = deepFreeze(new Date(T0))
        const event = deepFreeze(structuredClone(e))
        const first = decide(state, event, now)
        const second = decide(state, event, now)
        assert.deepEqual(second, first, e.type)
        // A fresh but equal state and event give the same decision too.
        const again = decide(stateOf(WF, tasks, run), structuredClone(e), new Date(T0))
        assert.deepEqual(again, first, e.type)
        assert.equal(now.getTime(), T0.getTime())
      }
      assert.deepEqual({ run: state.run, tasks: state.tasks, definition: state.workflow.definition, compiled: new Map(state.workflow.tasks) }, snapshot)
    })
  }
})
