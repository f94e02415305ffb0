import { test } from 'node:test'
import assert from 'node:assert/strict'
import { backfillProgress, canBeCancelled, hasFailuresToRerun, inRange, nextOverlappingStart } from './backfill-progress'

const runs = (over: Partial<Record<'total' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled', number>>) => ({ total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, ...over })

test('progress counts finished runs against the partitions to run', () => {
  const p = backfillProgress({ partitions: 10, skipped: 2, runs: runs({ total: 7, succeeded: 4, failed: 1, running: 2 }) })
  assert.equal(p.planned, 8)
  assert.equal(p.finished, 5)
  assert.equal(p.percent, 62)
  assert.deepEqual(
    p.segments.map((s) => [s.status, s.count]),
    [
      ['succeeded', 4],
      ['failed', 1],
      ['running', 2],
      ['pending', 1],
    ],
  )
  assert.equal(p.text, '5 of 8 partitions finished (62%): 4 succeeded, 1 failed; 2 running, 1 not started; 2 skipped (already done)')
})

test('a backfill with nothing to run is complete', () => {
  const p = backfillProgress({ partitions: 6, skipped: 6, runs: runs({}) })
  assert.equal(p.percent, 100)
  assert.deepEqual(p.segments, [])
  assert.equal(p.text, 'Nothing to run: all 6 partitions were already done')
})

test('a fresh backfill is all not started', () => {
  const p = backfillProgress({ partitions: 3, skipped: 0, runs: runs({}) })
  assert.equal(p.text, '0 of 3 partitions finished (0%); 3 not started')
})

test('actions: cancel while running, rerun when something failed', () => {
  assert.ok(canBeCancelled({ status: 'running' }))
  assert.ok(!canBeCancelled({ status: 'failed' }))
  assert.ok(hasFailuresToRerun({ status: 'failed', runs: runs({ failed: 1 }) }))
  assert.ok(hasFailuresToRerun({ status: 'cancelled', runs: runs({ cancelled: 2 }) }))
  assert.ok(!hasFailuresToRerun({ status: 'running', runs: runs({ failed: 1 }) }))
  assert.ok(!hasFailuresToRerun({ status: 'succeeded', runs: runs({ succeeded: 3 }) }))
})

test('partitions in range compare as text', () => {
  const b = { from: '2026-10-01', to: '2026-10-08' }
  assert.ok(inRange('2026-10-01', b))
  assert.ok(inRange('2026-10-08', b))
  assert.ok(!inRange('2026-10-09', b))
  assert.ok(!inRange(null, b))
})

test('the next overlapping backfill bounds the runs of one', () => {
  const b = { id: 'a', workflow: 'w', from: '2026-09-01', to: '2026-09-03', createdAt: '2026-12-02T16:19:02.000Z' }
  const all = [
    b,
    { id: 'b', workflow: 'w', from: '2026-09-01', to: '2026-09-03', createdAt: '2026-12-02T16:48:56.000Z' },
    { id: 'c', workflow: 'w', from: '2026-09-03', to: '2026-09-09', createdAt: '2026-12-02T16:30:00.000Z' },
    { id: 'd', workflow: 'w', from: '2026-10-01', to: '2026-10-03', createdAt: '2026-12-02T16:20:00.000Z' },
    { id: 'e', workflow: 'x', from: '2026-09-01', to: '2026-09-03', createdAt: '2026-12-02T16:21:00.000Z' },
    { id: 'f', workflow: 'w', from: '2026-09-01', to: '2026-09-03', createdAt: '2026-12-01T00:00:00.000Z' },
  ]
  assert.equal(nextOverlappingStart(b, all), '2026-12-02T16:30:00.000Z')
  assert.equal(nextOverlappingStart(all[1]!, all), undefined)
})
