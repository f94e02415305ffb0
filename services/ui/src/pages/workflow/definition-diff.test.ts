import { test } from 'node:test'
import assert from 'node:assert/strict'
import { definitionDiff, diffCounts, stableJson } from './definition-diff'

test('keys are sorted at every depth, arrays keep their order', () => {
  assert.equal(stableJson({ b: 1, a: { d: [2, 1], c: null } }), '{\n  "a": {\n    "c": null,\n    "d": [\n      2,\n      1\n    ]\n  },\n  "b": 1\n}')
})

test('the same definition in another key order has no changes', () => {
  const lines = definitionDiff({ name: 'w', tasks: { a: 1 } }, { tasks: { a: 1 }, name: 'w' })
  assert.deepEqual(diffCounts(lines), { added: 0, removed: 0 })
  assert.ok(lines.every((l) => l.kind === 'same' || l.kind === 'fold'))
})

test('a changed value is a removed and an added line, numbered in each text', () => {
  const lines = definitionDiff({ a: 1, b: 2 }, { a: 1, b: 3 })
  assert.deepEqual(lines, [
    { kind: 'same', text: '{', oldNo: 1, newNo: 1 },
    { kind: 'same', text: '  "a": 1,', oldNo: 2, newNo: 2 },
    { kind: 'del', text: '  "b": 2', oldNo: 3, newNo: null },
    { kind: 'add', text: '  "b": 3', oldNo: null, newNo: 3 },
    { kind: 'same', text: '}', oldNo: 4, newNo: 4 },
  ])
})

test('long unchanged stretches fold, keeping context around changes', () => {
  const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]))
  const lines = definitionDiff(big, { ...big, k15: 'x' }, 2)
  assert.deepEqual(diffCounts(lines), { added: 1, removed: 1 })
  const kinds = lines.map((l) => l.kind).join(',')
  assert.equal(kinds, 'fold,same,same,del,add,same,same,fold')
  assert.deepEqual(lines[0], { kind: 'fold', count: 14 })
  assert.deepEqual(lines.at(-1), { kind: 'fold', count: 13 })
})
