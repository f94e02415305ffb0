import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { branchChoice } from './branch-choice.js'

const DOWN = ['load_full', 'load_incremental', 'notify']
const follow = (output: unknown) => {
  const c = branchChoice(output, 'pick', DOWN)
  assert.ok('follow' in c, `expected a choice, got ${'error' in c ? c.error.message : ''}`)
  return [...c.follow].sort()
}
const error = (output: unknown, downstream = DOWN) => {
  const c = branchChoice(output, 'pick', downstream)
  assert.ok('error' in c, 'expected an error')
  assert.equal(c.error.kind, 'branch_invalid')
  assert.equal(c.error.retryable, false)
  return c.error.message
}

describe('branchChoice: the accepted forms', () => {
  test('{ follow: [ids] } and { follow: id }', () => {
    assert.deepEqual(follow({ follow: ['load_full', 'notify'] }), ['load_full', 'notify'])
    assert.deepEqual(follow({ follow: 'load_incremental' }), ['load_incremental'])
  })
  test('the earlier { branch } form, a bare id and a bare list', () => {
    assert.deepEqual(follow({ branch: ['notify'] }), ['notify'])
    assert.deepEqual(follow({ branch: 'load_full' }), ['load_full'])
    assert.deepEqual(follow('load_full'), ['load_full'])
    assert.deepEqual(follow(['load_full', 'load_incremental']), ['load_full', 'load_incremental'])
  })
  test('an empty list follows nothing; a repeated id counts once', () => {
    assert.deepEqual(follow({ follow: [] }), [])
    assert.deepEqual(follow([]), [])
    assert.deepEqual(follow({ follow: ['notify', 'notify'] }), ['notify'])
  })
  test('follow wins over branch when both are given; other fields are ignored', () => {
    assert.deepEqual(follow({ follow: ['notify'], branch: ['load_full'], rows: 3 }), ['notify'])
  })
})

describe('branchChoice: what fails the branch', () => {
  test('no choice: null, a number, a boolean, an object without follow or branch', () => {
    for (const output of [null, undefined, 42, true, { rows: 3 }, { follow: null }, { follow: 7 }, { follow: { a: 1 } }]) {
      assert.match(error(output), /^branch pick returned no choice: its output must be \{ "follow": \["<task id>", …\] \}/)
    }
  })
  test('the rejected output is quoted, cut at 120 characters', () => {
    assert.match(error({ rows: 3 }), /got \{"rows":3\}$/)
    const long = error({ note: 'x'.repeat(500) })
    assert.ok(long.endsWith('…'))
    assert.ok(long.length < 300)
  })
  test('a non-string entry names its index and value', () => {
    assert.equal(error({ follow: ['load_full', 7] }), "branch pick's choice must list task ids: entry 1 is 7")
    assert.equal(error([null]), "branch pick's choice must list task ids: entry 0 is null")
  })
  test('an id not directly downstream names it and the valid ones', () => {
    assert.equal(error({ follow: ['load_ful'] }), "branch pick chose 'load_ful', which is not directly downstream of it (choose from: load_full, load_incremental, notify)")
    assert.equal(error({ follow: ['x', 'load_full', 'y', 'x'] }), "branch pick chose 'x', 'y', which are not directly downstream of it (choose from: load_full, load_incremental, notify)")
  })
  test('a branch with no downstream at all says so', () => {
    assert.match(error('a', []), /choose from: none/)
  })
})
