import { test } from 'node:test'
import assert from 'node:assert/strict'
import { barSegments, countsWords, mappedLabel, orderedCounts, parseInstanceId } from './map-counts'

test('an instance id names its mapped task and index; task ids and malformed ids name none', () => {
  assert.deepEqual(parseInstanceId('load[3]'), { taskId: 'load', index: 3 })
  assert.deepEqual(parseInstanceId('load_files-2[99999]'), { taskId: 'load_files-2', index: 99999 })
  for (const id of ['load', 'load[]', 'load[-1]', '[3]', 'load[3]x', 'load[a]', null]) assert.equal(parseInstanceId(id), undefined, String(id))
})

test('counts read done first, then what is still to do, leaving out statuses with none', () => {
  assert.deepEqual(orderedCounts({ queued: 20, succeeded: 250, running: 30, failed: 0 }), [
    ['succeeded', 250],
    ['running', 30],
    ['queued', 20],
  ])
  assert.equal(countsWords({ queued: 20, succeeded: 250, running: 30, failed: 2, upstream_failed: 1 }), '250 succeeded · 2 failed · 1 upstream failed · 30 running · 20 queued')
  assert.equal(countsWords({}), 'no instances yet')
})

test('the status bar gives every status a visible share and adds up to 100%', () => {
  const bar = barSegments({ succeeded: 99_999, failed: 1 })
  assert.deepEqual(
    bar.map((s) => s.status),
    ['succeeded', 'failed'],
  )
  assert.ok(bar[1]!.percent > 1.9, 'one failure among 100,000 still shows')
  assert.ok(Math.abs(bar.reduce((s, x) => s + x.percent, 0) - 100) < 1e-9)
  assert.deepEqual(barSegments({}), [])
})

test('a mapped task is labelled with its instance count, or ? before its list was read', () => {
  assert.equal(mappedLabel('load', 300), 'load [300]')
  assert.equal(mappedLabel('load', 100000), 'load [100,000]')
  assert.equal(mappedLabel('load', null), 'load [?]')
})
