import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BatonError, markErrorClass, NonRetryableError, NotFoundError, ValidationError } from './errors.js'

// The classes of two copies of this module (a user's @baton/sdk and the CLI's bundle) must
// recognise each other's errors: simulated here by a second class marked with the same name.

test('instanceof recognises an error of another copy of the class with the same mark', () => {
  class OtherCopy extends Error {}
  markErrorClass(OtherCopy, 'NonRetryableError')
  const foreign = new OtherCopy('from the other copy')
  assert.ok(foreign instanceof NonRetryableError)
  assert.ok(!(foreign instanceof ValidationError))
})

test('subclasses are instances of their bases, not of their siblings', () => {
  const e = new ValidationError([{ path: 'a', reason: 'b' }])
  assert.ok(e instanceof ValidationError)
  assert.ok(e instanceof BatonError)
  assert.ok(e instanceof Error)
  assert.ok(!(e instanceof NotFoundError))
  assert.ok(!(new BatonError('X', 'x') instanceof ValidationError))
})

test('an unmarked subclass keeps the ordinary prototype check', () => {
  class Custom extends BatonError {}
  assert.ok(new Custom('C', 'c') instanceof Custom)
  assert.ok(!(new NotFoundError('run', 'x') instanceof Custom))
  assert.ok(new Custom('C', 'c') instanceof BatonError)
})

test('non-objects are never instances', () => {
  for (const v of [null, undefined, 'NonRetryableError', 1]) assert.ok(!((v as unknown) instanceof NonRetryableError))
})
