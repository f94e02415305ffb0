import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from './config.js'
import { ValidationError } from './errors.js'

test('BATON_STREAM_REPLICAS: unset or empty is no setting; 1 to 5 is the replica count', () => {
  assert.equal(loadConfig({}).streamReplicas, undefined)
  assert.equal('streamReplicas' in loadConfig({}), false)
  assert.equal(loadConfig({ BATON_STREAM_REPLICAS: '' }).streamReplicas, undefined)
  for (const n of [1, 3, 5]) assert.equal(loadConfig({ BATON_STREAM_REPLICAS: String(n) }).streamReplicas, n)
})

test('BATON_STREAM_REPLICAS outside 1..5 or not a whole number is a config error naming the variable', () => {
  for (const bad of ['0', '6', '2.5', '-1', 'three']) {
    assert.throws(
      () => loadConfig({ BATON_STREAM_REPLICAS: bad }),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError, bad)
        assert.equal(e.code, 'CONFIG_INVALID')
        assert.deepEqual(e.issues, [{ path: 'BATON_STREAM_REPLICAS', reason: 'must be a whole number from 1 to 5 (replicas of each stream)' }], bad)
        return true
      },
    )
  }
})
