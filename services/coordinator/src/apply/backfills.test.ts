import { test } from 'node:test'
import assert from 'node:assert/strict'
import { partitionsToRun } from './backfills.js'

const parts = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']
const latest = new Map([
  ['d1', 'succeeded'],
  ['d2', 'failed'],
  ['d3', 'cancelled'],
  ['d4', 'running'],
  ['d5', 'queued'],
])

test('missing: only partitions with no run at all', () => {
  assert.deepEqual(partitionsToRun('missing', parts, latest), ['d6'])
})
test('failed: failed and cancelled partitions, plus missing ones', () => {
  assert.deepEqual(partitionsToRun('failed', parts, latest), ['d2', 'd3', 'd6'])
})
test('all: every partition except those with an active run (never duplicated)', () => {
  assert.deepEqual(partitionsToRun('all', parts, latest), ['d1', 'd2', 'd3', 'd6'])
})
