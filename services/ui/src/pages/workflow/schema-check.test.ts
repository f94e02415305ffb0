import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkSchema, issueTree, propertyOf } from './schema-check'

// The shape the SDK emits for `z.object({ month: z.string(), dryRun: z.boolean().default(false) })`.
const params = { type: 'object', required: ['month'], properties: { month: { type: 'string', description: 'YYYY-MM' }, dryRun: { type: 'boolean', default: false } } }

test('valid data has no issues', () => {
  assert.deepEqual(checkSchema(params, { month: '2026-11', dryRun: true }), [])
})

test('a missing required property is reported on the property itself', () => {
  assert.deepEqual(checkSchema({ type: 'object', properties: { params } }, { params: {} }), [{ path: ['params', 'month'], keyword: 'required', message: 'is required' }])
})

test('types, enums, bounds, lengths, patterns and formats each name their field', () => {
  const schema = {
    type: 'object',
    properties: {
      n: { type: 'integer', minimum: 1, maximum: 10 },
      s: { type: 'string', minLength: 1, pattern: '^\\d{4}-\\d{2}$' },
      e: { enum: ['a', 'b'] },
      d: { type: 'string', format: 'date' },
      x: { type: ['number', 'null'] },
    },
    additionalProperties: false,
  }
  const issues = checkSchema(schema, { n: 11.5, s: '', e: 'c', d: '2026-13-45', x: null, extra: 1 })
  const found = new Set(issues.map((i) => `${propertyOf(i.path)} ${i.keyword}`))
  for (const want of ['.n type', '.s minLength', '.s pattern', '.e enum', '.d format']) assert.ok(found.has(want), `${want} in ${[...found].join(', ')}`)
  assert.ok(issues.some((i) => i.keyword === 'additionalProperties' || i.keyword === 'false'), 'the unknown property is reported')
  assert.ok(!issues.some((i) => propertyOf(i.path) === '.x'), 'null is allowed for x')
  assert.deepEqual(checkSchema(schema, { n: 0 }).map((i) => [propertyOf(i.path), i.keyword]), [['.n', 'minimum']])
})

test('arrays, local $refs and anyOf', () => {
  const schema = { $defs: { day: { type: 'string', format: 'date' } }, type: 'array', minItems: 1, items: { $ref: '#/$defs/day' } }
  assert.deepEqual(checkSchema(schema, []).map((i) => i.keyword), ['minItems'])
  assert.deepEqual(checkSchema(schema, ['2026-01-01', 'x']).map((i) => propertyOf(i.path)), ['[1]'])
  const either = { anyOf: [{ type: 'string' }, { type: 'integer' }] }
  assert.equal(checkSchema(either, 3).length, 0)
  assert.deepEqual(checkSchema(either, true).map((i) => i.keyword), ['anyOf'])
})

test('a sub-schema is checked with the root schema’s definitions', () => {
  const root = { $defs: { day: { type: 'string', format: 'date' } }, type: 'object', properties: { from: { $ref: '#/$defs/day' } } }
  assert.equal(checkSchema({ $ref: '#/$defs/day' }, '2026-01-01', root).length, 0)
  assert.equal(checkSchema({ $ref: '#/$defs/day' }, 'nope', root)[0]?.keyword, 'format')
})

test('property paths are accessors; odd keys are quoted', () => {
  assert.equal(propertyOf(['params', 'first-name', 2]), ".params['first-name'][2]")
})

test("the API's 400 issues become an error tree on their fields", () => {
  const tree = issueTree([
    { path: 'body.params.month', reason: 'Required' },
    { path: 'body.partition', reason: 'not a date partition' },
    { path: 'query.wait', reason: 'ignored' },
  ])
  assert.deepEqual(tree, { params: { month: { __errors: ['Required'] } }, partition: { __errors: ['not a date partition'] } })
})
