import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IllegalTransitionError, RunStatus, TaskStatus, TERMINAL_RUN_STATUSES, TERMINAL_TASK_STATUSES } from '@baton/shared'
import { checkRunTransition, checkTaskTransition, RUN_TRANSITIONS, TASK_TRANSITIONS } from './transitions.js'

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
  for (const [from, to] of [['succeeded', 'running'], ['pending', 'running'], ['retrying', 'running'], ['cancelled', 'queued']] as const) {
    assert.throws(() => checkTaskTransition(from, to, IDS), (e: unknown) => e instanceof IllegalTransitionError && e.code === 'ILLEGAL_TRANSITION' && e.message.includes(`${from} → ${to}`) && e.taskId === 't')
  }
  assert.throws(() => checkRunTransition('succeeded', 'running', 'r'), IllegalTransitionError)
  assert.throws(() => checkRunTransition('queued', 'succeeded', 'r'), IllegalTransitionError)
  for (const s of Object.values(TaskStatus)) checkTaskTransition(s, s, IDS)
  checkTaskTransition('queued', 'running', IDS)
  checkRunTransition('running', 'failed', 'r')
})
