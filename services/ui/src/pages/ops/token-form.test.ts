import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EMPTY_TOKEN_FORM, grantWords, tokenRequestBody, tokenState } from './token-form'

test('the default form asks for a 30-day viewer token on every workflow', () => {
  assert.deepEqual(tokenRequestBody(EMPTY_TOKEN_FORM), { body: { role: 'viewer', expiresIn: '30d' } })
})

test('scope and name go in the body, trimmed', () => {
  assert.deepEqual(tokenRequestBody({ ...EMPTY_TOKEN_FORM, name: ' ci ', role: 'operator', scope: 'workflows', workflows: 'finance_* ', expires: 'never' }), {
    body: { name: 'ci', role: 'operator', workflows: 'finance_*' },
  })
  assert.deepEqual(tokenRequestBody({ ...EMPTY_TOKEN_FORM, scope: 'owner', owner: 'finance', workflows: 'ignored' }), { body: { role: 'viewer', owner: 'finance', expiresIn: '30d' } })
})

test('a missing scope value or a past expiry is refused in words', () => {
  assert.match((tokenRequestBody({ ...EMPTY_TOKEN_FORM, scope: 'workflows' }) as { error: string }).error, /glob/)
  assert.match((tokenRequestBody({ ...EMPTY_TOKEN_FORM, scope: 'owner' }) as { error: string }).error, /owner/)
  assert.match((tokenRequestBody({ ...EMPTY_TOKEN_FORM, expires: 'date' }) as { error: string }).error, /Pick the date/)
  const now = Date.parse('2026-12-02T12:00:00Z')
  assert.match((tokenRequestBody({ ...EMPTY_TOKEN_FORM, expires: 'date', expiresAt: '2020-01-01T00:00' }, now) as { error: string }).error, /future/)
  const ok = tokenRequestBody({ ...EMPTY_TOKEN_FORM, expires: 'date', expiresAt: '2030-01-01T00:00' }, now) as { body: { expiresAt: string } }
  assert.match(ok.body.expiresAt, /^20(29-12-31|30-01-01)T/)
})

test('grants read in words', () => {
  assert.equal(grantWords({ role: 'admin' }), 'admin')
  assert.equal(grantWords({ role: 'operator', workflows: 'finance_*' }), 'operator on finance_*')
  assert.equal(grantWords({ role: 'viewer', owner: 'finance' }), 'viewer for owner finance')
})

test('a token is revoked, expired or active', () => {
  const now = Date.parse('2026-12-02T12:00:00Z')
  assert.equal(tokenState({ revokedAt: '2026-12-01T00:00:00Z', expiresAt: '2020-01-01T00:00:00Z' }, now), 'revoked')
  assert.equal(tokenState({ revokedAt: null, expiresAt: '2026-12-02T11:59:59Z' }, now), 'expired')
  assert.equal(tokenState({ revokedAt: null, expiresAt: null }, now), 'active')
})
