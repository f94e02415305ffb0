import { test } from 'node:test'
import assert from 'node:assert/strict'
import { actionOutcome, unreachableOutcome } from './action-outcome'

const err = (message: string) => ({ error: { code: 'X', message, details: null } })

test('200 and 201 are applied', () => {
  assert.deepEqual(actionOutcome({ status: 200 }, 'Backfill cancelled'), { tone: 'applied', text: 'Backfill cancelled.' })
  assert.deepEqual(actionOutcome({ status: 200, data: { runStatus: 'cancelled' } }, 'Cancel run'), { tone: 'applied', text: 'Cancel run — the run is cancelled.' })
  assert.equal(actionOutcome({ status: 201 }, 'Token created').tone, 'applied')
})

test('202 is pending, in words', () => {
  const o = actionOutcome({ status: 202 }, 'Backfill cancelled')
  assert.equal(o.tone, 'pending')
  assert.match(o.text, /accepted/)
})

test("409 is ignored, with the API's reason", () => {
  const o = actionOutcome({ status: 409, error: err('backfill is already finished') }, 'Backfill cancelled')
  assert.deepEqual(o, { tone: 'ignored', text: 'Nothing done: backfill is already finished.' })
})

test('403 and other errors carry the message', () => {
  assert.equal(actionOutcome({ status: 403, error: err('needs backfill on daily_revenue') }, 'x').text, 'Not allowed: needs backfill on daily_revenue.')
  assert.equal(actionOutcome({ status: 500, error: {} }, 'x').text, 'Failed (500): the API did not say why.')
})

test('an unreachable API says so', () => {
  assert.match(unreachableOutcome(new Error('Failed to fetch')).text, /Could not reach the Baton API \(Failed to fetch\)/)
})
