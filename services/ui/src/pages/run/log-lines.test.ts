import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendLines, fieldsText, linesFromBatch, linesFromPage } from './log-lines'

const item = (seq: number, msg: string) => ({ seq, attempt: 1, ts: '2026-12-02T10:00:00Z', level: 'info', stream: 'stdout', msg, fields: {} })

test('page items: lines of one batch get distinct keys', () => {
  const lines = linesFromPage([item(5, 'a'), item(5, 'b'), item(7, 'c')])
  assert.deepEqual(lines.map((l) => l.key), ['5:0', '5:1', '7:0'])
})

test('a live batch: fields are what is left of a record; malformed records and batches are skipped', () => {
  const lines = linesFromBatch({ seq: 9, attempt: 2, records: [{ ts: 't', level: 'warn', stream: 'log', msg: 'slow', rows: 3 }, null, 'x'] })
  assert.deepEqual(lines, [{ key: '9:0', seq: 9, attempt: 2, ts: 't', level: 'warn', stream: 'log', msg: 'slow', fields: { rows: 3 } }])
  assert.deepEqual(linesFromBatch({ records: [] }), [])
  assert.deepEqual(linesFromBatch(null), [])
})

test('appending: no duplicates where a page and the live stream meet; bounded', () => {
  const page = linesFromPage([item(1, 'a'), item(2, 'b')])
  const live = linesFromBatch({ seq: 2, attempt: 1, records: [{ msg: 'b' }] }).concat(linesFromBatch({ seq: 3, attempt: 1, records: [{ msg: 'c' }] }))
  const { lines, dropped } = appendLines(page, live)
  assert.deepEqual(lines.map((l) => l.key), ['1:0', '2:0', '3:0'])
  assert.equal(dropped, 0)
  const capped = appendLines(lines, linesFromBatch({ seq: 4, attempt: 1, records: [{ msg: 'd' }, { msg: 'e' }] }), 4)
  assert.deepEqual(capped.lines.map((l) => l.key), ['2:0', '3:0', '4:0', '4:1'])
  assert.equal(capped.dropped, 1)
  assert.equal(appendLines(lines, []).lines, lines, 'nothing new: the same list')
})

test('fields as text', () => {
  assert.equal(fieldsText({ rows: 3, table: 'facts', tags: ['a'] }), 'rows=3 table=facts tags=["a"]')
})
