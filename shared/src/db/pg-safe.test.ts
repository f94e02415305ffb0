import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pgSafeJson, pgSafeText } from './pg-safe.js'

test('a NUL becomes the six characters \\u0000, wherever it is', () => {
  assert.equal(pgSafeText('a\u0000b'), 'a\\u0000b')
  assert.equal(pgSafeText('\u0000'), '\\u0000')
  assert.equal(pgSafeText('\u0000\u0000x\u0000'), '\\u0000\\u0000x\\u0000')
  assert.equal(pgSafeText('a\u0000b').length, 8)
})

test('lone surrogates are escaped; pairs are kept', () => {
  assert.equal(pgSafeText('x\ud800y'), 'x\\ud800y', 'high without low')
  assert.equal(pgSafeText('x\udc00y'), 'x\\udc00y', 'low without high')
  assert.equal(pgSafeText('\ud83d'), '\\ud83d', 'high at the end')
  assert.equal(pgSafeText('\ude00'), '\\ude00', 'low at the start')
  assert.equal(pgSafeText('\ude00\ud83d'), '\\ude00\\ud83d', 'a pair in the wrong order is two lone halves')
  assert.equal(pgSafeText('😀'), '😀')
  assert.equal(pgSafeText('\ud83d\ud83d\ude00'), '\\ud83d😀', 'a second high completes the pair')
  assert.equal(pgSafeText('😀'.slice(0, 1) + 'tail'), '\\ud83dtail', 'what clipping a string mid-pair leaves')
})

test('text without NUL or lone surrogates is returned unchanged', () => {
  for (const s of ['', 'plain', 'déjà vu — ünïcödé', '日本語', 'emoji 😀 pairs 👍🏽', 'already \\u0000 escaped', 'tab\tnew\nline\u0001\u007f']) {
    assert.equal(pgSafeText(s), s)
  }
})

test('strings and keys are rewritten at any depth', () => {
  const input = {
    text: 'a\u0000b',
    ['k\u0000']: 1,
    nested: { deeper: [1, 'x\ud800', { ['\u0000']: ['\u0000', null, true, 2.5] }] },
    fine: { untouched: 'yes' },
  }
  assert.deepEqual(pgSafeJson(input), {
    text: 'a\\u0000b',
    ['k\\u0000']: 1,
    nested: { deeper: [1, 'x\\ud800', { ['\\u0000']: ['\\u0000', null, true, 2.5] }] },
    fine: { untouched: 'yes' },
  })
  assert.deepEqual(Object.keys(pgSafeJson(input)), ['text', 'k\\u0000', 'nested', 'fine'], 'key order kept')
})

test('the result is storable: no NUL, no lone surrogate in any string or key', () => {
  const out = pgSafeJson({ ['a\u0000']: ['\u0000', '\udfff', 'x\ud800', '😀'], ['\ud800']: { ['\u0000']: '\u0000' } })
  const strings: string[] = []
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v)
    else if (Array.isArray(v)) v.forEach(collect)
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) (strings.push(k), collect(item))
  }
  collect(out)
  assert.equal(strings.length, 8)
  for (const s of strings) {
    assert.ok(!s.includes('\u0000'), JSON.stringify(s))
    assert.ok((s as unknown as { isWellFormed(): boolean }).isWellFormed(), JSON.stringify(s))
  }
})

test('a value with nothing to escape is returned as it is, not copied', () => {
  const value = { a: [1, { b: 'c' }], d: null, e: 'ünïcödé 😀' }
  assert.equal(pgSafeJson(value), value)
  assert.equal(pgSafeJson(value.a), value.a)
  for (const v of [null, undefined, 0, 1.5, true, 'text']) assert.equal(pgSafeJson(v), v)
})

test('only the containers on the way to a rewritten string are copied; the input is not modified', () => {
  const clean = { deep: ['x', { y: 1 }] }
  const dirty = { inner: ['ok', 'bad\u0000'] }
  const value = { clean, dirty, n: 1 }
  const out = pgSafeJson(value)
  assert.notEqual(out, value)
  assert.equal(out.clean, clean, 'an untouched branch is shared')
  assert.notEqual(out.dirty, dirty)
  assert.deepEqual(out.dirty.inner, ['ok', 'bad\\u0000'])
  assert.equal(dirty.inner[1], 'bad\u0000', 'input unchanged')
  assert.deepEqual(Object.keys(value), ['clean', 'dirty', 'n'])
})

test('a rewritten key keeps its place among the others', () => {
  const out = pgSafeJson({ a: 1, ['b\u0000']: 2, c: 3 })
  assert.deepEqual(Object.entries(out), [
    ['a', 1],
    ['b\\u0000', 2],
    ['c', 3],
  ])
})

test('a __proto__ key stays an own property, never the prototype', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "x": "\\u0000"}') as Record<string, unknown>
  const out = pgSafeJson(value)
  assert.equal(Object.getPrototypeOf(out), Object.prototype)
  assert.ok(Object.hasOwn(out, '__proto__'))
  assert.deepEqual(out['__proto__'], { polluted: true })
  assert.equal(out.x, '\\u0000')
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('class instances are left alone', () => {
  const when = new Date(0)
  assert.equal(pgSafeJson({ when, s: '\u0000' }).when, when)
})

test('values nested deeper than the stack allows throw a RangeError, as JSON.stringify does', () => {
  const depth = 200_000
  const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`) as unknown
  assert.throws(() => pgSafeJson(deep), RangeError)
})
