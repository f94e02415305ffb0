import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IllegalTransitionError, RunStatus, TaskStatus, TERMINAL_RUN_STATUSES, TERMINAL_TASK_STATUSES } from '@baton/shared'
import { checkRunTransition, checkTaskTransition, OPERATOR_RUN_TARGETS, OPERATOR_TASK_TARGETS, RUN_TRANSITIONS, TASK_TRANSITIONS } from './transitions.js'

const IDS = { runId: 'r', taskId: 't' }

test('the tables name every status, and only statuses', () => {
  assert.deepEqual(Object.keys(TASK_TRANSITIONS).sort(), Object.values(TaskStatus).sort())
  assert.deepEqual(Object.keys(RUN_TRANSITIONS).sort(), Object.values(RunStatus).sort())
  for (const targets of Object.values(TASK_TRANSITIONS)) for (const t of targets) assert.ok(Object.values(TaskStatus).includes(t), t)
  for (const targets of Object.values(RUN_TRANSITIONS)) for (const t of targets) assert.ok(Object.values(RunStatus).includes(t), t)
})

test('terminal statuses have no exit, every other status has one', () => {
  for (const s of Object.values(TaskStatus)) assert.equal(TASK_TRANSITIONS[s].length === 0, TERMINAL_TASK_STATUSES.includes(s), s)
  for (const s of Object.values(RunStatus)) assert.equal(RUN_TRANSITIONS[s].length === 0, TERMINAL_RUN_STATUSES.includes(s), s)
})

test('every non-terminal task status can be cancelled', () => {
  for (const s of Object.values(TaskStatus)) if (!TERMINAL_TASK_STATUSES.includes(s)) assert.ok(TASK_TRANSITIONS[s].includes('cancelled'), s)
})

test('a transition outside the table is an IllegalTransitionError naming it; staying put is allowed', () => {
  for (const [from, to] of [['succeeded', 'running'], ['pending', 'succeeded'], ['retrying', 'running'], ['cancelled', 'queued']] as const) {
    assert.throws(() => checkTaskTransition(from, to, IDS), (e: unknown) => e instanceof IllegalTransitionError && e.code === 'ILLEGAL_TRANSITION' && e.message.includes(`${from} → ${to}`) && e.taskId === 't')
  }
  assert.throws(() => checkRunTransition('succeeded', 'running', 'r'), IllegalTransitionError)
  assert.throws(() => checkRunTransition('queued', 'succeeded', 'r'), IllegalTransitionError)
  for (const s of Object.values(TaskStatus)) checkTaskTransition(s, s, IDS)
  checkTaskTransition('queued', 'running', IDS)
  checkRunTransition('running', 'failed', 'r')
})

test('an operator may reopen or mark any task, and reopen any run; nothing else beyond the table', () => {
  for (const from of Object.values(TaskStatus)) {
    for (const to of OPERATOR_TASK_TARGETS) checkTaskTransition(from, to, IDS, true)
    for (const to of Object.values(TaskStatus)) {
      const allowed = from === to || TASK_TRANSITIONS[from].includes(to) || OPERATOR_TASK_TARGETS.includes(to)
      if (!allowed) assert.throws(() => checkTaskTransition(from, to, IDS, true), IllegalTransitionError, `${from} → ${to}`)
    }
  }
  for (const from of Object.values(RunStatus)) {
    for (const to of OPERATOR_RUN_TARGETS) checkRunTransition(from, to, 'r', true)
    for (const to of Object.values(RunStatus)) {
      const allowed = from === to || RUN_TRANSITIONS[from].includes(to) || OPERATOR_RUN_TARGETS.includes(to)
      if (!allowed) assert.throws(() => checkRunTransition(from, to, 'r', true), IllegalTransitionError, `${from} → ${to}`)
    }
  }
  // Without the operator flag the same reopen is illegal.
  assert.throws(() => checkTaskTransition('failed', 'pending', IDS), IllegalTransitionError)
  assert.throws(() => checkRunTransition('failed', 'running', 'r'), IllegalTransitionError)
})
