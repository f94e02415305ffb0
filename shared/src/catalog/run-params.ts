import { z } from 'zod'
import type { ValidationIssue } from '../errors.js'
import type { CompiledWorkflow } from '../definition/compile.js'
import { suggestionFor } from '../definition/suggest.js'
import type { RunRequested } from '../messages/schemas.js'

/** Compiled params validators by version hash (versions are immutable; bounded, oldest out). */
const validators = new Map<string, z.ZodType>()
const MAX_VALIDATORS = 500

/** Triggers that start runs on their own, with no caller to pass params. */
const AUTOMATIC = new Set(['cron', 'readiness', 'late_data', 'backfill'])

/** The outcome of resolving a run's params: the params the run will have, or every problem. */
export type ParamsResolution = { readonly ok: true; readonly params: Record<string, unknown> } | { readonly ok: false; readonly issues: ValidationIssue[] }

interface ParamsSchema {
  properties?: Record<string, unknown>
  additionalProperties?: unknown
  patternProperties?: Record<string, unknown>
}

function validatorFor(wf: CompiledWorkflow): z.ZodType | undefined {
  const schema = wf.definition.params
  if (!schema) return undefined
  let v = validators.get(wf.hash)
  if (!v) {
    // Deploy checked that the schema converts (see params-schema.ts), so this does not throw.
    v = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
    validators.set(wf.hash, v)
    if (validators.size > MAX_VALIDATORS) validators.delete(validators.keys().next().value!)
  }
  return v
}

/**
 * Names the params schema does not declare. A schema that lists `properties` accepts only those
 * names unless it says otherwise (`additionalProperties: true` or a schema, or
 * `patternProperties`): zod objects convert to JSON Schema without `additionalProperties`, and a
 * misspelt param silently ignored is the mistake this check exists for.
 */
function unknownParams(schema: ParamsSchema, params: Record<string, unknown>): ValidationIssue[] {
  if (!schema.properties) return []
  const extra = schema.additionalProperties
  if (schema.patternProperties || extra === true || (typeof extra === 'object' && extra !== null)) return []
  const known = Object.keys(schema.properties)
  return Object.keys(params)
    .filter((name) => !Object.hasOwn(schema.properties!, name))
    .map((name) => {
      const close = suggestionFor(name, known)
      const hint = close ? ` (did you mean '${close}'?)` : known.length > 0 ? ` (known params: ${known.join(', ')})` : ' (the workflow declares no params)'
      return { path: `params.${name}`, reason: `unknown param '${name}'${hint}` }
    })
}

/**
 * The params a run of `wf` gets: unknown names are rejected (with a suggestion), the given values
 * are validated against the workflow's params JSON Schema, and defaults declared there (zod
 * `.default()`, JSON Schema `default`) are filled in. Every path that starts a run — CLI, API,
 * run requests over NATS, cron, readiness, backfills — resolves params here, before the run exists.
 * A workflow with no params schema accepts any params as given.
 */
export function resolveRunParams(wf: CompiledWorkflow, params: Record<string, unknown>): ParamsResolution {
  const v = validatorFor(wf)
  if (!v) return { ok: true, params: { ...params } }
  const issues = unknownParams(wf.definition.params as ParamsSchema, params)
  const r = v.safeParse(params)
  if (!r.success) issues.push(...r.error.issues.map((i) => ({ path: ['params', ...i.path.map(String)].join('.'), reason: i.message.replace(/^Invalid input: /, '') })))
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, params: r.data as Record<string, unknown> }
}

/** The problems of `resolveRunParams`, or none. */
export function validateParams(wf: CompiledWorkflow, params: Record<string, unknown>): ValidationIssue[] {
  const r = resolveRunParams(wf, params)
  return r.ok ? [] : r.issues
}

/**
 * Params of a run as requested. A run a trigger started on its own (cron, readiness, backfill)
 * has no caller to pass params, so when the params schema declares a property named after the
 * partition kind (`date`, `hour`, `key`) or `partition`, and it is not given, it is filled with
 * the run's partition.
 */
export function withPartitionParam(wf: CompiledWorkflow, request: Pick<RunRequested, 'params' | 'partition' | 'trigger'>): Record<string, unknown> {
  const params = { ...(request.params ?? {}) }
  if (!request.partition || !AUTOMATIC.has(request.trigger ?? '')) return params
  const props = ((wf.definition.params as ParamsSchema | undefined)?.properties ?? {}) as Record<string, unknown>
  for (const name of [wf.partitionKind, 'partition']) {
    if (name in props && params[name] === undefined) params[name] = request.partition
  }
  return params
}
