import { test } from 'node:test'
import assert from 'node:assert/strict'
import { filterDeadLetters, payloadLine, payloadPretty, sinceOf, type DeadLetter } from './dead-letter-view'

const dl = (id: string, subject: string, reason: string): DeadLetter => ({ id, subject, reason, count: 1, receivedAt: '', lastAt: '', msgId: null, payload: '' })

test('filters match subject and reason substrings, case-insensitively', () => {
  const items = [dl('1', 'baton.x.events.run', 'unknown run'), dl('2', 'baton.x.landings', 'non JSON payload')]
  assert.deepEqual(filterDeadLetters(items, { subject: 'LANDINGS', reason: '' }).map((d) => d.id), ['2'])
  assert.deepEqual(filterDeadLetters(items, { subject: '', reason: 'unknown' }).map((d) => d.id), ['1'])
  assert.equal(filterDeadLetters(items, { subject: ' ', reason: '' }).length, 2)
})

test('a payload line is one short line with control characters visible', () => {
  assert.equal(payloadLine('{"a":\n 1}'), '{"a": 1}')
  assert.equal(payloadLine('a\u0000b'), 'a·b')
  assert.equal(payloadLine('x'.repeat(200), 10), 'xxxxxxxxxx…')
})

test('a payload is pretty-printed when it is JSON', () => {
  assert.deepEqual(payloadPretty('{"a":1}'), { text: '{\n  "a": 1\n}', json: true })
  assert.deepEqual(payloadPretty('not json'), { text: 'not json', json: false })
})

test('since windows are relative to now', () => {
  assert.equal(sinceOf('1h', Date.parse('2026-12-02T12:00:00Z')), '2026-12-02T11:00:00.000Z')
  assert.equal(sinceOf('', 0), undefined)
  assert.equal(sinceOf('bogus', 0), undefined)
})
