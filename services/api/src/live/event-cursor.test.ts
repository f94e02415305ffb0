import { test } from 'node:test'
import assert from 'node:assert/strict'
import { covers, formatPosition, furthest, parsePosition } from './event-cursor.js'

test('positions round-trip through their text; a bare history id is accepted', () => {
  const p = { history: 1042, alertXid: 88120, alertId: 7 }
  assert.equal(formatPosition(p), '1042-88120-7')
  assert.deepEqual(parsePosition('1042-88120-7'), { history: 1042, alerts: { xid: 88120, id: 7 } })
  assert.deepEqual(parsePosition('1042'), { history: 1042, alerts: null })
  for (const bad of ['', 'abc', '1-2', '1-2-3-4', '-1', '1042-x-0', `${'9'.repeat(16)}`, "1' OR 1=1"]) assert.equal(parsePosition(bad), undefined, bad)
})

test('covers and furthest compare each source on its own', () => {
  const a = { history: 10, alertXid: 5, alertId: 0 }
  const b = { history: 9, alertXid: 5, alertId: 2 }
  assert.equal(covers(a, b), false)
  assert.equal(covers(b, a), false)
  assert.deepEqual(furthest(a, b), { history: 10, alertXid: 5, alertId: 2 })
  assert.equal(covers(furthest(a, b), a), true)
  assert.equal(covers(a, a), true)
})
