import { test } from 'node:test'
import assert from 'node:assert/strict'
import { movedIndex } from './list-keys'
import { applyTransitions, awaitingApproval, latestAttempt, taskProgress, type RunDetails, type RunTask } from './run-patch'

const task = (id: string, status: RunTask['status'], attempts = 0): RunTask => ({
  id,
  status,
  kind: 'task',
  upstream: [],
  deadline: null,
  inputs: {},
  attempts,
  attemptDetails: Array.from({ length: attempts }, (_, i) => ({ attempt: i + 1, status: 'failed', workerId: 'w', queuedAt: null, startedAt: null, finishedAt: null, queueWaitMs: null, durationMs: null, backoffMs: null, output: null, error: null, check: null })),
  check: null,
  queue: 'default',
  output: null,
  error: null,
  workerId: null,
  queuedAt: null,
  startedAt: null,
  finishedAt: null,
  waitingFor: null,
  map: null,
})

const run = (tasks: RunTask[]): RunDetails =>
  ({ id: 'r1', workflow: 'w', status: 'running', tasks, allowed: [], params: {}, partition: null } as unknown as RunDetails)

test('a task transition sets the status at once and keeps other tasks as they were', () => {
  const before = run([task('a', 'succeeded', 1), task('b', 'queued')])
  const after = applyTransitions(before, [{ kind: 'task', event: { runId: 'r1', taskId: 'b', attempt: 1, to: 'running' } }])
  assert.equal(after.tasks[1]!.status, 'running')
  assert.equal(after.tasks[1]!.attempts, 1)
  assert.deepEqual(after.tasks[1]!.attemptDetails.map((a) => [a.attempt, a.status]), [[1, 'running']], 'a placeholder for the new attempt')
  assert.equal(after.tasks[0], before.tasks[0], 'unchanged tasks are shared')
  assert.equal(before.tasks[1]!.status, 'queued', 'the cached answer is not mutated')
})

test('retrying marks the failed attempt; a later queued attempt is added', () => {
  const after = applyTransitions(run([task('a', 'running', 1)]), [
    { kind: 'task', event: { runId: 'r1', taskId: 'a', attempt: 1, to: 'retrying' } },
    { kind: 'task', event: { runId: 'r1', taskId: 'a', attempt: 2, to: 'queued' } },
  ])
  assert.equal(after.tasks[0]!.status, 'queued')
  assert.deepEqual(after.tasks[0]!.attemptDetails.map((a) => [a.attempt, a.status]), [
    [1, 'failed'],
    [2, 'queued'],
  ])
})

test('run transitions set the run status; other runs, unknown tasks and statuses are ignored', () => {
  const before = run([task('a', 'running', 1)])
  const after = applyTransitions(before, [
    { kind: 'task', event: { runId: 'other', taskId: 'a', attempt: 1, to: 'failed' } },
    { kind: 'task', event: { runId: 'r1', taskId: 'nope', attempt: 1, to: 'failed' } },
    { kind: 'task', event: { runId: 'r1', taskId: 'a', attempt: 1, to: 'exploded' } },
    { kind: 'run', event: { runId: 'r1', taskId: null, attempt: null, to: 'failed' } },
  ])
  assert.equal(after.status, 'failed')
  assert.equal(after.tasks[0], before.tasks[0])
})

test('progress, latest attempt, approval waiting', () => {
  assert.deepEqual(taskProgress(run([task('a', 'succeeded'), task('b', 'upstream_failed'), task('c', 'running')])), { done: 2, total: 3 })
  assert.equal(latestAttempt(task('a', 'failed', 3))!.attempt, 3)
  assert.equal(latestAttempt(task('a', 'pending')), undefined)
  assert.equal(awaitingApproval({ kind: 'approval', status: 'running' }), true)
  assert.equal(awaitingApproval({ kind: 'approval', status: 'succeeded' }), false)
  assert.equal(awaitingApproval({ kind: 'task', status: 'running' }), false)
})

test('list keys: arrows, pages, ends, clamped; other keys are not movement', () => {
  assert.equal(movedIndex('ArrowDown', 0, 3), 1)
  assert.equal(movedIndex('ArrowDown', 2, 3), 2)
  assert.equal(movedIndex('ArrowUp', 0, 3), 0)
  assert.equal(movedIndex('PageDown', 0, 100, 10), 10)
  assert.equal(movedIndex('End', 0, 100), 99)
  assert.equal(movedIndex('Home', 50, 100), 0)
  assert.equal(movedIndex('Enter', 1, 3), null)
  assert.equal(movedIndex('ArrowDown', 0, 0), null)
})
