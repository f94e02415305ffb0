import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { chooseAdmissions, type SlotCandidate, type SlotPolicy } from './slot-choice.js'

const P: SlotPolicy = { group: 'pool:p', fairShare: false, weights: {} }
const cand = (id: string, opts: { owner?: string; slots?: number; also?: Record<string, number> } = {}): SlotCandidate => ({
  id,
  owner: opts.owner ?? 'o',
  priority: 0,
  needs: new Map([['pool:p', opts.slots ?? 1], ...Object.entries(opts.also ?? {})]),
})
const free = (p: number, others: Record<string, number> = {}) => new Map([['pool:p', p], ...Object.entries(others)])

describe('chooseAdmissions without fair share', () => {
  test('admits in the given order while slots are free', () => {
    assert.deepEqual(chooseAdmissions(P, [cand('a'), cand('b'), cand('c')], free(2), new Map()), ['a', 'b'])
    assert.deepEqual(chooseAdmissions(P, [cand('a'), cand('b')], free(5), new Map()), ['a', 'b'])
  })
  test('nothing when the group is full or there is nobody', () => {
    assert.deepEqual(chooseAdmissions(P, [cand('a')], free(0), new Map()), [])
    assert.deepEqual(chooseAdmissions(P, [cand('a')], free(-1), new Map()), [])
    assert.deepEqual(chooseAdmissions(P, [], free(3), new Map()), [])
  })
  test('a candidate needing more than is free stops admission: later, smaller work does not overtake it', () => {
    assert.deepEqual(chooseAdmissions(P, [cand('a'), cand('big', { slots: 3 }), cand('c')], free(3), new Map()), ['a'])
  })
  test('a full other group only skips that candidate', () => {
    const c = [cand('a', { also: { 'task:w/t': 1 } }), cand('b', { also: { 'task:w/t': 1 } }), cand('c')]
    assert.deepEqual(chooseAdmissions(P, c, free(3, { 'task:w/t': 1 }), new Map()), ['a', 'c'])
    // A group the caller could not lock (absent from `free`) counts as full.
    assert.deepEqual(chooseAdmissions(P, [cand('a', { also: { 'task:w/x': 1 } }), cand('b')], free(3), new Map()), ['b'])
  })
  test('multi-slot candidates use up slots by their size', () => {
    assert.deepEqual(chooseAdmissions(P, [cand('a', { slots: 2 }), cand('b', { slots: 2 }), cand('c')], free(5), new Map()), ['a', 'b', 'c'])
  })
  test('does not change the maps it is given', () => {
    const f = free(2)
    const h = new Map([['o', 1]])
    chooseAdmissions({ ...P, fairShare: true }, [cand('a'), cand('b')], f, h)
    assert.deepEqual([...f], [['pool:p', 2]])
    assert.deepEqual([...h], [['o', 1]])
  })
})

describe('chooseAdmissions with fair share', () => {
  const F: SlotPolicy = { ...P, fairShare: true }
  const many = (owner: string, n: number) => Array.from({ length: n }, (_, i) => cand(`${owner}${i}`, { owner }))
  test('equal weights alternate between owners though one queued all its work first', () => {
    assert.deepEqual(chooseAdmissions(F, [...many('a', 4), ...many('b', 4)], free(4), new Map()), ['a0', 'b0', 'a1', 'b1'])
  })
  test('an owner already holding slots waits for the other to catch up', () => {
    assert.deepEqual(chooseAdmissions(F, [...many('a', 4), ...many('b', 4)], free(3), new Map([['a', 3]])), ['b0', 'b1', 'b2'])
  })
  test('weights split the slots held at once: 3:1 over 8 slots is 6 and 2', () => {
    const got = chooseAdmissions({ ...F, weights: { b: 3 } }, [...many('a', 8), ...many('b', 8)], free(8), new Map())
    assert.equal(got.filter((x) => x.startsWith('b')).length, 6)
    assert.equal(got.filter((x) => x.startsWith('a')).length, 2)
  })
  test('within an owner, the given order (priority, then age) holds', () => {
    assert.deepEqual(chooseAdmissions(F, [cand('a_hi', { owner: 'a' }), cand('a_lo', { owner: 'a' })], free(2), new Map()), ['a_hi', 'a_lo'])
  })
  test("the chosen owner's head needing more than is free stops admission", () => {
    assert.deepEqual(chooseAdmissions(F, [cand('a', { owner: 'a', slots: 3 }), cand('b', { owner: 'b' })], free(2), new Map([['b', 1]])), [])
  })
  test('an owner whose head is blocked by another group moves on to its next candidate', () => {
    const c = [cand('a0', { owner: 'a', also: { 'task:w/t': 1 } }), cand('a1', { owner: 'a' }), cand('b0', { owner: 'b' })]
    assert.deepEqual(chooseAdmissions(F, c, free(2, { 'task:w/t': 0 }), new Map()), ['a1', 'b0'])
  })
})
