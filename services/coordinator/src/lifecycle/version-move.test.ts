import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileWorkflow, type WorkflowDefinitionInput } from '@baton/shared'
import { versionMoveIssues } from './version-move.js'

const wf = (tasks: WorkflowDefinitionInput['tasks']) => compileWorkflow({ name: 'w', tasks })
const BASE = wf({ a: { handler: 'x' }, b: { after: ['a'] }, c: { after: ['a', 'b'] } })

test('same tasks and edges: compatible, whatever else changed', () => {
  assert.deepEqual(versionMoveIssues(BASE, wf({ a: { handler: 'y', retry: { attempts: 3 }, queue: 'q2' }, b: { after: ['a'], trigger: 'all_done', timeout: '5m' }, c: { after: ['b', 'a'] } })), [])
  assert.deepEqual(versionMoveIssues(BASE, BASE), [])
})

test('every incompatible task is named, sorted', () => {
  assert.deepEqual(versionMoveIssues(BASE, wf({ a: {}, b: {}, d: { after: ['a'] } })), [
    "task b's upstream changed (a → none)",
    'task c is gone',
    'task d is new',
  ])
  assert.deepEqual(versionMoveIssues(BASE, wf({ a: {}, b: { after: ['a'] }, c: { after: ['a', 'b'], kind: 'approval' } })), ['task c changed between a worker task and one that waits without a worker'])
})
