import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import draft07MetaSchema from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' }
import { z } from 'zod'
import type { ValidationIssue } from '../errors.js'

/**
 * Checks a workflow's `params` (JSON Schema; the TS DSL converts a zod schema to it) at deploy
 * time, so that a mistake fails `baton deploy` instead of the first run: it must be a valid JSON
 * Schema (draft 2020-12, or draft-07 when its `$schema` says so) — checked against the meta-schema
 * by Ajv, each problem naming its path —, describe an object (params are named values), use no
 * unknown keyword (`requried`, `typ`…), and be convertible by zod's `fromJSONSchema`, which
 * validates run params at run time.
 */

let ajv: Ajv2020 | undefined

/** One Ajv, made on first use: only deploy and validate pay for it. */
function checker(): Ajv2020 {
  if (!ajv) {
    // strict: unknown keywords are errors; formats are not validated here (zod checks values).
    ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false, allowUnionTypes: true })
    ajv.addMetaSchema(draft07MetaSchema)
  }
  return ajv
}

function issuePath(base: string, instancePath: string): string {
  return instancePath ? `${base}${instancePath.split('/').slice(1).map((s) => `.${s.replace(/~1/g, '/').replace(/~0/g, '~')}`).join('')}` : base
}

function ajvReason(e: ErrorObject): string {
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) return `must be one of ${e.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`
  if (e.keyword === 'type') return `must be ${String(e.params.type)}`
  return e.message ?? e.keyword
}

/** Every problem of a params JSON Schema, each naming its path under `base` (default `params`). */
export function paramsSchemaIssues(schema: Record<string, unknown>, base = 'params'): ValidationIssue[] {
  const a = checker()
  const meta = typeof schema.$schema === 'string' ? schema.$schema : undefined
  if (meta !== undefined && !a.getSchema(meta.replace(/#$/, '')) && !a.getSchema(meta)) {
    return [{ path: `${base}.$schema`, reason: `unsupported JSON Schema dialect "${meta}" (use draft 2020-12 or draft-07)` }]
  }
  if (!a.validateSchema(schema)) {
    // allErrors lists the branch errors of every `anyOf` in the meta-schema too; keep the leaves.
    const errors = (a.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== '$dynamicRef')
    // The meta-schema's alternatives (`type`: a name or a list of names) each report the same
    // spot; the first says it best (`must be one of "array", "boolean", …`).
    const seen = new Set<string>()
    return errors
      .map((e) => ({ path: issuePath(base, e.instancePath), reason: ajvReason(e) }))
      .filter((i) => (seen.has(i.path) ? false : (seen.add(i.path), true)))
  }
  const issues: ValidationIssue[] = []
  if (schema.type !== 'object') {
    issues.push({ path: `${base}.type`, reason: `must be "object" (run params are named values), got ${JSON.stringify(schema.type ?? null)}` })
  }
  try {
    a.compile(schema)
    a.removeSchema(schema)
  } catch (e) {
    issues.push({ path: base, reason: `not a usable JSON Schema: ${(e as Error).message.replace(/^strict mode: /, '')}` })
    return issues
  }
  try {
    z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
  } catch (e) {
    issues.push({ path: base, reason: `not supported by run params validation: ${(e as Error).message}` })
  }
  return issues
}
