import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readinessDeadline, validateExpectBy } from './readiness-deadline.js'

const first = new Date('2026-06-02T03:00:00Z')

test('a duration counts from the first landing', () => {
  assert.equal(readinessDeadline('2h', 'date', '2026-06-01', first, 'UTC').toISOString(), '2026-06-02T05:00:00.000Z')
})
test("a time of day for a date partition is due the morning after the day, in the workflow's timezone", () => {
  assert.equal(readinessDeadline('07:00', 'date', '2026-06-01', first, 'Europe/Paris').toISOString(), '2026-06-02T05:00:00.000Z')
  // Across the spring-forward change: 07:00 Paris on 29 March is 05:00 UTC (CEST).
  assert.equal(readinessDeadline('07:00', 'date', '2026-03-28', first, 'Europe/Paris').toISOString(), '2026-03-29T05:00:00.000Z')
})
test('a time of day for an hour partition is its first occurrence after the hour ends', () => {
  assert.equal(readinessDeadline('10:30', 'hour', '2026-06-01T09', first, 'UTC').toISOString(), '2026-06-01T10:30:00.000Z')
  assert.equal(readinessDeadline('08:00', 'hour', '2026-06-01T09', first, 'UTC').toISOString(), '2026-06-02T08:00:00.000Z')
})
test('a key partition counts from the first landing', () => {
  assert.equal(readinessDeadline('04:00', 'key', 'batch-7', first, 'UTC').toISOString(), '2026-06-02T04:00:00.000Z')
})
test('expectBy must be a time of day or a duration; the error quotes it', () => {
  assert.deepEqual(validateExpectBy('07:00'), [])
  assert.deepEqual(validateExpectBy('90m'), [])
  assert.match(validateExpectBy('7am')[0]!.reason, /"7am"/)
  assert.match(validateExpectBy('25:00')[0]!.reason, /"25:00"/)
})
