import { test } from 'node:test'
import assert from 'node:assert/strict'
import { advanceHistory, startSettled, type HistoryTailState } from './history-gaps.js'
import { allFinished, parseSnapshot } from './pg-snapshot.js'

const timing = { graceMs: 100, maxHoldMs: 60_000 }
const rows = (...ids: number[]) => ids.map((id) => ({ id }))
const snap = (running: number[]) => ({ xmin: running[0] ?? 500, xmax: 500, inProgress: running })
const at = (cursor: number): HistoryTailState => ({ cursor, gap: null })

test('parseSnapshot reads pg_current_snapshot() text; allFinished compares in-progress lists', () => {
  assert.deepEqual(parseSnapshot('10:20:12,15'), { xmin: 10, xmax: 20, inProgress: [12, 15] })
  assert.deepEqual(parseSnapshot('10:10:'), { xmin: 10, xmax: 10, inProgress: [] })
  assert.throws(() => parseSnapshot('x'), /not a pg_snapshot/)
  assert.equal(allFinished([12, 15], parseSnapshot('16:20:16')), true)
  assert.equal(allFinished([12, 15], parseSnapshot('15:20:15,16')), false)
  assert.equal(allFinished([], parseSnapshot('15:20:15')), true)
})

test('consecutive ids pass at once', () => {
  const a = advanceHistory(at(10), rows(11, 12, 13), snap([]), 0, timing)
  assert.deepEqual(a.emit, rows(11, 12, 13))
  assert.deepEqual(a.state, { cursor: 13, gap: null })
})

test('a gap holds the tail until the lower id commits, then both pass in id order', () => {
  // 42 committed, 41 not yet (its transaction, xid 300, is running).
  const held = advanceHistory(at(40), rows(42), snap([300]), 1000, timing)
  assert.deepEqual(held.emit, [])
  assert.equal(held.state.cursor, 40)
  assert.deepEqual(held.state.gap, { firstMissing: 41, seenAtMs: 1000, drain: null })
  // Still running after the grace: its list is taken, and it is not finished.
  const still = advanceHistory(held.state, rows(42), snap([300, 301]), 1200, timing)
  assert.deepEqual(still.emit, [])
  assert.deepEqual(still.state.gap?.drain, [300, 301])
  // It commits: the read sees 41.
  const filled = advanceHistory(still.state, rows(41, 42), snap([301]), 1300, timing)
  assert.deepEqual(filled.emit, rows(41, 42))
  assert.deepEqual(filled.state, { cursor: 42, gap: null })
  assert.deepEqual(filled.skipped, [])
})

test('a gap whose transactions all finished without the row is passed (rolled back)', () => {
  const held = advanceHistory(at(40), rows(43), snap([300]), 0, timing)
  const listed = advanceHistory(held.state, rows(43), snap([300]), 150, timing)
  assert.deepEqual(listed.emit, [])
  // 300 finished (rolled back: 41 and 42 never appear); 302 started since and does not matter.
  const passed = advanceHistory(listed.state, rows(43, 44), snap([302]), 200, timing)
  assert.deepEqual(passed.emit, rows(43, 44))
  assert.deepEqual(passed.skipped, [{ from: 41, to: 42, why: 'finished' }])
  assert.equal(passed.state.cursor, 44)
})

test('nothing in progress after the grace: the gap is passed on the same read', () => {
  const held = advanceHistory(at(5), rows(7), snap([]), 0, timing)
  assert.deepEqual(held.emit, [])
  const passed = advanceHistory(held.state, rows(7), snap([]), 100, timing)
  assert.deepEqual(passed.emit, rows(7))
})

test('a gap never drains: passed after the longest hold, reported as a timeout', () => {
  const held = advanceHistory(at(1), rows(3), snap([9]), 0, timing)
  const listed = advanceHistory(held.state, rows(3), snap([9]), 200, timing)
  assert.deepEqual(advanceHistory(listed.state, rows(3), snap([9]), 59_999, timing).emit, [])
  const passed = advanceHistory(listed.state, rows(3), snap([9]), 60_000, timing)
  assert.deepEqual(passed.emit, rows(3))
  assert.deepEqual(passed.skipped, [{ from: 2, to: 2, why: 'timeout' }])
})

test('rows after a passed gap may show a second gap, which holds anew', () => {
  const held = advanceHistory(at(0), rows(2, 3, 5), snap([]), 0, timing)
  const second = advanceHistory(held.state, rows(2, 3, 5), snap([]), 100, timing)
  assert.deepEqual(second.emit, rows(2, 3))
  assert.deepEqual(second.state.gap, { firstMissing: 4, seenAtMs: 100, drain: null })
})

test('the start settles once the transactions in progress then have finished', () => {
  assert.deepEqual(startSettled(null, 0, snap([7]), 50, timing), { settled: false, drain: null, timedOut: false })
  const listed = startSettled(null, 0, snap([7, 8]), 100, timing)
  assert.deepEqual(listed, { settled: false, drain: [7, 8], timedOut: false })
  assert.equal(startSettled(listed.drain, 0, snap([8, 9]), 150, timing).settled, false)
  assert.deepEqual(startSettled(listed.drain, 0, snap([9]), 200, timing), { settled: true, drain: [7, 8], timedOut: false })
  assert.equal(startSettled(listed.drain, 0, snap([8]), 60_000, timing).timedOut, true)
})
