import { test } from 'node:test'
import assert from 'node:assert/strict'
import { suggestionFor } from './suggest.js'

const TASK_KEYS = ['description', 'owner', 'after', 'queue', 'run', 'handler', 'kind', 'retry', 'timeout', 'trigger']

test('suggests the close key: a missing, extra or changed letter, or two letters swapped', () => {
  assert.equal(suggestionFor('shh', ['sh', 'http']), 'sh')
  assert.equal(suggestionFor('slep', ['sleep', 'date']), 'sleep')
  assert.equal(suggestionFor('timout', TASK_KEYS), 'timeout')
  assert.equal(suggestionFor('afterr', TASK_KEYS), 'after')
  assert.equal(suggestionFor('queeu', TASK_KEYS), 'queue')
  assert.equal(suggestionFor('retyr', TASK_KEYS), 'retry')
  assert.equal(suggestionFor('Queue', TASK_KEYS), 'queue')
  assert.equal(suggestionFor('one_faild', ['one_failed', 'one_success', 'all_failed']), 'one_failed')
})

test('suggests nothing when no candidate is close', () => {
  assert.equal(suggestionFor('retries_count', TASK_KEYS), undefined)
  assert.equal(suggestionFor('x', ['sh', 'http']), undefined)
  assert.equal(suggestionFor('anything', []), undefined)
  assert.equal(suggestionFor('', TASK_KEYS), undefined)
})

test('never suggests the word itself', () => {
  assert.equal(suggestionFor('queue', ['queue']), undefined)
})
