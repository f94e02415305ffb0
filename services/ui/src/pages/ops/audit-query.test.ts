import { test } from 'node:test'
import assert from 'node:assert/strict'
import { auditQuery, isoToLocalInput, localInputToIso, readAuditFilter } from './audit-query'

test('the URL filter keeps known results only', () => {
  const f = readAuditFilter(new URLSearchParams('actor=token:ci&result=denied&before=42'))
  assert.equal(f.actor, 'token:ci')
  assert.equal(f.result, 'denied')
  assert.equal(f.before, '42')
  assert.equal(readAuditFilter(new URLSearchParams('result=maybe')).result, '')
})

test('the API query carries only what is set, trimmed', () => {
  assert.deepEqual(auditQuery(readAuditFilter(new URLSearchParams(''))), { limit: 100 })
  assert.deepEqual(auditQuery(readAuditFilter(new URLSearchParams('actor=%20cli:root%20&action=run.retry&since=2026-12-01T00:00:00.000Z&before=7')), 50), {
    limit: 50,
    actor: 'cli:root',
    action: 'run.retry',
    since: '2026-12-01T00:00:00.000Z',
    before: '7',
  })
})

test('datetime-local values round-trip through ISO instants', () => {
  const iso = localInputToIso('2026-12-02T09:30')
  assert.match(iso, /^2026-12-0[123]T\d\d:\d\d:00\.000Z$/)
  assert.equal(isoToLocalInput(iso), '2026-12-02T09:30')
  assert.equal(localInputToIso(''), '')
  assert.equal(localInputToIso('garbage'), '')
  assert.equal(isoToLocalInput('garbage'), '')
})
