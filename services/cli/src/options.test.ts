import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValidationError } from '@baton/shared'
import { parseTimeArg, weightsOption } from './options.js'

const NOW = new Date('2026-06-10T12:00:00Z')

test('ISO dates are midnight UTC; date-times keep their offset', () => {
  assert.equal(parseTimeArg('--since', '2026-06-01', NOW).toISOString(), '2026-06-01T00:00:00.000Z')
  assert.equal(parseTimeArg('--since', '2026-06-01T06:00Z', NOW).toISOString(), '2026-06-01T06:00:00.000Z')
  assert.equal(parseTimeArg('--since', '2026-06-01T06:00:30+02:00', NOW).toISOString(), '2026-06-01T04:00:30.000Z')
  assert.equal(parseTimeArg('--since', '2024-02-29', NOW).toISOString(), '2024-02-29T00:00:00.000Z')
})

test('a duration means that long before now', () => {
  assert.equal(parseTimeArg('--since', '24h', NOW).toISOString(), '2026-06-09T12:00:00.000Z')
  assert.equal(parseTimeArg('--since', '7d', NOW).toISOString(), '2026-06-03T12:00:00.000Z')
  assert.equal(parseTimeArg('--since', '30m', NOW).toISOString(), '2026-06-10T11:30:00.000Z')
})

test('anything else is one error naming the flag, including dates that do not exist', () => {
  for (const bad of ['yesterday', 'nope', '', '2026-02-30', '2025-02-29', '2026-13-01', '2026-06-00', '2026-06-01T24:00Z', '2026-06-01T10:60Z', '24 hours', '1.2.3']) {
    assert.throws(
      () => parseTimeArg('--since', bad, NOW),
      (e: unknown) => e instanceof ValidationError && e.issues.length === 1 && e.issues[0]!.path === '--since' && /is not a time/.test(e.issues[0]!.reason),
      bad,
    )
  }
})

test('weightsOption reads OWNER=WEIGHT flags and names --weight on a bad one', () => {
  assert.deepEqual(weightsOption([]), {})
  assert.deepEqual(weightsOption(['finance=2', 'growth=0.5', 'a b=1']), { finance: 2, growth: 0.5, 'a b': 1 })
  for (const bad of ['finance', '=2', 'x=0', 'x=-1', 'x=abc', 'x=1001']) {
    assert.throws(() => weightsOption([bad]), (e: unknown) => e instanceof ValidationError && e.issues[0]!.path === '--weight', bad)
  }
})
