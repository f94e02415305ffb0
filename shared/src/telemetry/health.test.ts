import { afterEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { liveness, readiness, registerReadinessCheck } from './health.js'

const removers: (() => void)[] = []
afterEach(() => {
  for (const remove of removers.splice(0)) remove()
})
function register(...args: Parameters<typeof registerReadinessCheck>): void {
  removers.push(registerReadinessCheck(...args))
}

test('no check registered: not ready (nothing serves yet), but live', async () => {
  assert.deepEqual(await readiness(), { status: 'not_ready', checks: {} })
  assert.deepEqual(await liveness(), { status: 'ready', checks: {} })
})

test('ready only when every check passes; a failing one names its reason in one line', async () => {
  register('a', () => {})
  register('b', async () => {
    throw new Error('Postgres refused\nstack detail')
  })
  assert.deepEqual(await readiness(), { status: 'not_ready', checks: { a: { ok: true }, b: { ok: false, error: 'Postgres refused' } } })
})

test('a check that hangs fails at the deadline instead of hanging the probe', async () => {
  register('hangs', () => new Promise<void>(() => {}))
  assert.deepEqual(await readiness(20), { status: 'not_ready', checks: { hangs: { ok: false, error: 'no answer within 20 ms' } } })
})

test('liveness runs only the checks marked liveness', async () => {
  register('dependency', () => {
    throw new Error('NATS is down')
  })
  register('own loop', () => {}, { liveness: true })
  assert.deepEqual(await liveness(), { status: 'ready', checks: { 'own loop': { ok: true } } })
  assert.equal((await readiness()).status, 'not_ready')
})

test('a second check of the same name is kept apart; removing one leaves the other', async () => {
  const first = registerReadinessCheck('worker.q', () => {})
  register('worker.q', () => {
    throw new Error('stopping')
  })
  assert.deepEqual(Object.keys((await readiness()).checks), ['worker.q', 'worker.q#2'])
  first()
  first() // removing twice is harmless
  assert.deepEqual((await readiness()).checks, { 'worker.q#2': { ok: false, error: 'stopping' } })
})
