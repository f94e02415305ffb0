import { test } from 'node:test'
import assert from 'node:assert/strict'
import { alertQuery, alertsOfKind, alertStatusLook, deliveryTally, kindsOf, readAlertFilter, shortRunId, type Alert, type AlertDelivery } from './alert-filters'

function alert(id: number, kind: string): Alert {
  return { id, kind, status: 'firing', workflow: 'w', partition: null, runId: null, owner: null, summary: kind, count: 1, createdAt: '', lastAt: '', resolvedAt: null, details: {}, deliveries: [] }
}
const delivery = (status: AlertDelivery['status']): AlertDelivery => ({ channel: 'slack', action: 'trigger', status, attempts: 1, deliveredAt: null, nextAttemptAt: null, lastError: null })

test('the URL filter keeps known statuses only', () => {
  assert.deepEqual(readAlertFilter(new URLSearchParams('status=firing&workflow=w&kind=check_failed&open=3')), { status: 'firing', workflow: 'w', kind: 'check_failed', open: '3' })
  assert.equal(readAlertFilter(new URLSearchParams('status=open')).status, '')
})

test('the API query carries status and workflow, never kind', () => {
  assert.deepEqual(alertQuery(readAlertFilter(new URLSearchParams('kind=x'))), { limit: 500 })
  assert.deepEqual(alertQuery(readAlertFilter(new URLSearchParams('status=resolved&workflow=w'))), { status: 'resolved', workflow: 'w', limit: 500 })
})

test('kinds: filter and distinct sorted list', () => {
  const items = [alert(1, 'run_failed'), alert(2, 'check_failed'), alert(3, 'run_failed')]
  assert.deepEqual(alertsOfKind(items, 'run_failed').map((a) => a.id), [1, 3])
  assert.equal(alertsOfKind(items, '').length, 3)
  assert.deepEqual(kindsOf(items), ['check_failed', 'run_failed'])
})

test('deliveries read as a tally', () => {
  assert.equal(deliveryTally([]), 'not sent to any channel')
  assert.equal(deliveryTally([delivery('retrying'), delivery('delivered'), delivery('delivered')]), '2 delivered, 1 retrying')
})

test('unknown alert statuses still draw', () => {
  assert.equal(alertStatusLook('firing').label, 'open')
  assert.deepEqual(alertStatusLook('weird'), { icon: '?', label: 'weird', hint: 'weird', colour: 'unknown' })
})

test('run ids shorten to their distinctive tail', () => {
  assert.equal(shortRunId('01a2378b-dba7-743e-b564-6a40370b6a40'), '…370b6a40')
  assert.equal(shortRunId('abc'), 'abc')
})
