import { test } from 'node:test'
import assert from 'node:assert/strict'
import { filterWorkflows, freshnessHint, nameMatches, ownersOf, readWorkflowFilter, workflowState, type WorkflowSummary } from './workflow-filters'

function wf(name: string, over: Partial<WorkflowSummary> = {}): WorkflowSummary {
  return {
    name,
    owner: 'finance',
    description: null,
    version: 'v',
    updatedAt: '2026-12-01T00:00:00Z',
    archivedAt: null,
    paused: false,
    schedule: null,
    gate: null,
    queues: [],
    tasks: 1,
    lastRun: null,
    recentRuns: [],
    openAlerts: 0,
    freshness: null,
    ...over,
  }
}

const fresh = (state: 'complete' | 'failed', missing: string[] = []): WorkflowSummary['freshness'] => ({
  workflow: 'x',
  produces: [],
  owner: null,
  state,
  latestPartition: '2026-11-30',
  expectedPartition: '2026-12-01',
  latestStatus: state === 'failed' ? 'failed' : 'succeeded',
  lastSuccessPartition: null,
  ageSeconds: 10,
  withinSla: null,
  missing,
})

test('the URL filter defaults to current workflows and ignores unknown values', () => {
  assert.deepEqual(readWorkflowFilter(new URLSearchParams('')), { owner: '', status: 'current', name: '', freshness: '' })
  assert.deepEqual(readWorkflowFilter(new URLSearchParams('status=bogus&freshness=nope&owner=ops&name=fin*')), { owner: 'ops', status: 'current', name: 'fin*', freshness: '' })
  assert.equal(readWorkflowFilter(new URLSearchParams('status=archived')).status, 'archived')
})

test('a state from the flags: archived wins over paused', () => {
  assert.equal(workflowState({ archivedAt: '2026-01-01', paused: true }), 'archived')
  assert.equal(workflowState({ archivedAt: null, paused: true }), 'paused')
  assert.equal(workflowState({ archivedAt: null, paused: false }), 'active')
})

test('names match as a substring, or as a glob with * and ?', () => {
  assert.ok(nameMatches('REV', 'daily_revenue'))
  assert.ok(nameMatches('daily_*', 'daily_revenue'))
  assert.ok(!nameMatches('daily_*', 'month_daily'))
  assert.ok(nameMatches('m?nth_close', 'month_close'))
  assert.ok(nameMatches('a.b*', 'a.b.c'))
  assert.ok(!nameMatches('a.b*', 'axb'))
  assert.ok(nameMatches('  ', 'anything'))
})

test('filters combine: status, owner, freshness, name', () => {
  const items = [
    wf('a', { freshness: fresh('complete') }),
    wf('b', { paused: true, owner: 'ops', freshness: fresh('failed') }),
    wf('c', { archivedAt: '2026-01-01' }),
  ]
  const f = readWorkflowFilter(new URLSearchParams(''))
  assert.deepEqual(filterWorkflows(items, f).map((w) => w.name), ['a', 'b'])
  assert.deepEqual(filterWorkflows(items, { ...f, status: 'all' }).map((w) => w.name), ['a', 'b', 'c'])
  assert.deepEqual(filterWorkflows(items, { ...f, status: 'archived' }).map((w) => w.name), ['c'])
  assert.deepEqual(filterWorkflows(items, { ...f, owner: 'ops' }).map((w) => w.name), ['b'])
  assert.deepEqual(filterWorkflows(items, { ...f, freshness: 'failed' }).map((w) => w.name), ['b'])
  assert.deepEqual(filterWorkflows(items, { ...f, status: 'all', freshness: 'unknown' }).map((w) => w.name), ['c'])
  assert.deepEqual(filterWorkflows(items, { ...f, name: 'z' }), [])
})

test('owners are the distinct ones present, sorted', () => {
  assert.deepEqual(ownersOf([wf('a', { owner: 'zeta' }), wf('b', { owner: null }), wf('c'), wf('d')]), ['finance', 'zeta'])
})

test('freshness reads in words', () => {
  const hint = freshnessHint(fresh('failed', ['check_facts failed']))
  assert.match(hint, /latest partition: 2026-11-30 \(failed\)/)
  assert.match(hint, /missing: check_facts failed/)
  assert.match(freshnessHint(null), /archived/)
})
