import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { z } from 'zod'
import {
  AbortNoticeSchema,
  BackfillCancelRequestedSchema,
  BackfillRequestedSchema,
  ReadinessMissedSchema,
  RunActionRequestedSchema,
  RunCancelRequestedSchema,
  WorkflowPauseRequestedSchema,
  RunRequestedSchema,
  SourceLandedSchema,
  TaskCommandSchema,
  TaskEventSchema,
  TaskLogBatchSchema,
} from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'

// The public wire contract (docs/protocol.md): the generated JSON Schemas match the zod
// schemas, every example in the document is a valid message, and unknown fields are ignored.
// No servers needed.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Each message's schema, by the name of its file in docs/schemas and its example marker. */
const SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'source-landed': SourceLandedSchema,
  'run-requested': RunRequestedSchema,
  'run-cancel-requested': RunCancelRequestedSchema,
  'run-action-requested': RunActionRequestedSchema,
  'workflow-pause-requested': WorkflowPauseRequestedSchema,
  'task-command': TaskCommandSchema,
  'task-event': TaskEventSchema,
  'abort-notice': AbortNoticeSchema,
  'backfill-requested': BackfillRequestedSchema,
  'backfill-cancel-requested': BackfillCancelRequestedSchema,
  'readiness-missed': ReadinessMissedSchema,
  'task-log-batch': TaskLogBatchSchema,
}

/** The JSON examples of docs/protocol.md, each marked `<!-- example: <name> -->` just above its block. */
function documentedExamples(): { name: string; body: Record<string, unknown> }[] {
  const doc = readFileSync(`${ROOT}/docs/protocol.md`, 'utf8')
  return [...doc.matchAll(/<!-- example: ([a-z-]+) -->\s*```json\n([\s\S]*?)\n```/g)].map((m) => ({
    name: m[1]!,
    body: JSON.parse(m[2]!) as Record<string, unknown>,
  }))
}

/** Every object in a JSON Schema, depth first. */
function* objectsIn(node: unknown): Generator<Record<string, unknown>> {
  if (node === null || typeof node !== 'object') return
  if (!Array.isArray(node)) yield node as Record<string, unknown>
  for (const child of Object.values(node)) yield* objectsIn(child)
}

after(assertNoLeaks)

test('docs/schemas matches the zod message schemas', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-protocol-schemas.ts', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 0, `docs/schemas is stale: run node --import tsx scripts/generate-protocol-schemas.ts\n${r.stderr}${r.stdout}`)
})

test('docs/protocol.md has a valid example of every message', () => {
  const examples = documentedExamples()
  for (const name of Object.keys(SCHEMAS)) {
    assert.ok(
      examples.some((e) => e.name === name),
      `docs/protocol.md has no example marked <!-- example: ${name} -->`,
    )
  }
  for (const { name, body } of examples) {
    const schema = SCHEMAS[name]
    assert.ok(schema, `docs/protocol.md marks an example with unknown message '${name}'`)
    const r = schema.safeParse(body)
    assert.ok(r.success, `the ${name} example is invalid: ${r.error?.message}`)
  }
})

test('unknown fields are accepted and ignored, at the top level and inside objects', () => {
  for (const { name, body } of documentedExamples()) {
    const withExtras: Record<string, unknown> = { ...body, someFutureField: { nested: [1, 2] } }
    for (const [key, value] of Object.entries(body)) {
      // Add an unknown field to every nested object of fixed shape (error, task).
      if ((key === 'error' || key === 'task') && value && typeof value === 'object') withExtras[key] = { ...value, alsoUnknown: true }
    }
    const r = SCHEMAS[name]!.safeParse(withExtras)
    assert.ok(r.success, `${name} rejected unknown fields: ${r.error?.message}`)
    const parsed = r.data as Record<string, unknown>
    assert.equal('someFutureField' in parsed, false, `${name} kept an unknown top-level field`)
    for (const key of ['error', 'task']) {
      const inner = parsed[key] as Record<string, unknown> | undefined
      if (inner) assert.equal('alsoUnknown' in inner, false, `${name}.${key} kept an unknown field`)
    }
  }
})

test('the generated JSON Schemas never forbid unknown fields', () => {
  for (const name of Object.keys(SCHEMAS)) {
    const schema = JSON.parse(readFileSync(`${ROOT}/docs/schemas/${name}.schema.json`, 'utf8')) as Record<string, unknown>
    assert.equal(schema.title !== undefined && schema.$id !== undefined, true, `${name}.schema.json has no $id or title`)
    for (const node of objectsIn(schema)) {
      assert.notEqual(node.additionalProperties, false, `${name}.schema.json forbids additional properties somewhere`)
    }
  }
})
