import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deadlineState, latestPerPartition, readinessWords, sourceStates, type Readiness } from './partition-status'

const now = Date.parse('2026-12-02T12:00:00Z')
const base: Readiness = { partition: '2026-12-02', status: 'waiting', required: ['orders', 'payments'], missing: ['payments'], landings: [{ source: 'orders', uri: 's3://o', landedAt: '2026-12-02T05:00:00Z' }], deadline: '2026-12-03T07:00:00Z', runId: null }

test('each required source is landed (latest landing) or missing', () => {
  const r: Readiness = { ...base, landings: [...base.landings, { source: 'orders', uri: 's3://o2', landedAt: '2026-12-02T06:00:00Z' }] }
  assert.deepEqual(sourceStates(r), [
    { source: 'orders', landed: { at: '2026-12-02T06:00:00Z', uri: 's3://o2' } },
    { source: 'payments', landed: null },
  ])
})

test('the deadline is upcoming, missed, met, or absent', () => {
  assert.equal(deadlineState(base, now), 'upcoming')
  assert.equal(deadlineState({ ...base, deadline: '2026-12-02T07:00:00Z' }, now), 'missed')
  assert.equal(deadlineState({ ...base, status: 'missed' }, now), 'missed')
  assert.equal(deadlineState({ ...base, deadline: null }, now), 'none')
  assert.equal(deadlineState({ ...base, runId: 'r1', missing: [] }, now), 'met')
  assert.equal(deadlineState({ ...base, runId: 'r1', missing: [], deadline: '2026-12-02T04:00:00Z' }, now), 'missed')
})

test('the sentence says what the partition waits for', () => {
  assert.equal(readinessWords(base, now), 'Waiting for payments (orders landed).')
  assert.equal(readinessWords({ ...base, missing: ['orders', 'payments'], landings: [], deadline: '2026-12-01T07:00:00Z' }, now), 'Waiting for orders and payments (nothing landed yet); the deadline has passed.')
  assert.equal(readinessWords({ ...base, missing: [], runId: 'r1' }, now), 'Started: orders and payments landed, so a run was created.')
  assert.equal(readinessWords({ ...base, missing: [], status: 'paused' }, now), 'Every source landed; the run starts shortly (the workflow is paused).')
})

test('latest run per partition keeps the first (newest) run and counts the others', () => {
  const runs = [
    { id: 'c', status: 'running', partition: '2026-12-02', createdAt: '3' },
    { id: 'b', status: 'failed', partition: '2026-12-01', createdAt: '2' },
    { id: 'a', status: 'succeeded', partition: '2026-12-02', createdAt: '1' },
    { id: 'z', status: 'succeeded', partition: null, createdAt: '0' },
  ]
  const rows = latestPerPartition(runs)
  assert.deepEqual(rows.map((r) => [r.partition, r.latest.id, r.runs]), [['2026-12-02', 'c', 2], ['2026-12-01', 'b', 1], ['(none)', 'z', 1]])
})
