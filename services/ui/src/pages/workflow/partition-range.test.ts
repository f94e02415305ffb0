import { test } from 'node:test'
import assert from 'node:assert/strict'
import { partitionIndex, partitionLabel, previewRange } from './partition-range'

test('date and hour labels round-trip through their index', () => {
  for (const l of ['1970-01-01', '2024-02-29', '2026-12-31']) assert.equal(partitionLabel('date', partitionIndex('date', l) as number), l)
  for (const l of ['2026-03-29T02', '2026-12-31T23', '2026-01-01T00']) assert.equal(partitionLabel('hour', partitionIndex('hour', l) as number), l)
})

test('bad labels say what is expected', () => {
  assert.equal(partitionIndex('date', '2026-2-1'), 'expected YYYY-MM-DD')
  assert.match(String(partitionIndex('date', '2026-02-30')), /not a calendar day/)
  assert.match(String(partitionIndex('hour', '2026-02-01T24')), /not 00-23/)
})

test('a range lists its count and its first and last partitions, without repeating short ranges', () => {
  assert.deepEqual(previewRange('date', '2026-02-27', '2026-03-02', 2), { count: 4, head: ['2026-02-27', '2026-02-28'], tail: ['2026-03-01', '2026-03-02'] })
  assert.deepEqual(previewRange('date', '2026-02-27', '2026-02-28', 3), { count: 2, head: ['2026-02-27', '2026-02-28'], tail: [] })
  assert.deepEqual(previewRange('hour', '2026-01-01T22', '2026-01-02T01', 1), { count: 4, head: ['2026-01-01T22'], tail: ['2026-01-02T01'] })
})

test('reversed, empty, malformed and key ranges are errors in words', () => {
  assert.deepEqual(previewRange('date', '2026-02-02', '2026-02-01'), { error: 'from 2026-02-02 is after to 2026-02-01' })
  assert.ok('error' in previewRange('date', '', '2026-02-01'))
  assert.ok('error' in previewRange('date', '2026-02-01', 'x'))
  assert.ok('error' in previewRange('key', 'a', 'b'))
})
