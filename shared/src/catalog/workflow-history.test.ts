import { test } from 'node:test'
import assert from 'node:assert/strict'
import { diffDefinitions } from './workflow-history.js'

test('diffDefinitions lists added, removed and changed fields by dotted path, sorted', () => {
  const before = { name: 'w', schedule: { cron: '0 2 * * *' }, tasks: { a: { after: [], retry: { attempts: 1 } }, old: { after: ['a'] } } }
  const after = { name: 'w', schedule: { cron: '0 3 * * *' }, tasks: { a: { after: [], retry: { attempts: 3 } }, b: { after: ['a'] } } }
  assert.deepEqual(diffDefinitions(before, after), [
    { path: 'schedule.cron', kind: 'changed', before: '0 2 * * *', after: '0 3 * * *' },
    { path: 'tasks.a.retry.attempts', kind: 'changed', before: 1, after: 3 },
    { path: 'tasks.b', kind: 'added', after: { after: ['a'] } },
    { path: 'tasks.old', kind: 'removed', before: { after: ['a'] } },
  ])
  assert.deepEqual(diffDefinitions(after, after), [])
  assert.deepEqual(diffDefinitions({ tasks: { a: { after: ['x'] } } }, { tasks: { a: { after: ['x', 'y'] } } }), [{ path: 'tasks.a.after.1', kind: 'added', after: 'y' }])
})
