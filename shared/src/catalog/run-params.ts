import { z } from 'zod'
import type { CompiledWorkflow, ValidationIssue } from '@baton/shared'

const validators = new Map<string, z.ZodType>()

/**
 * Validates run params against the workflow's params JSON Schema (converted to zod once per
 * version). Returns the issues, each naming the field and the reason; empty when valid.
 */
export function validateParams(wf: CompiledWorkflow, params: Record<string, unknown>): ValidationIssue[] {
  const schema = wf.definition.params
  if (!schema) return []
  let v = validators.get(wf.hash)
  if (!v) {
    v = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
    validators.set(wf.hash, v)
    if (validators.size > 500) validators.delete(validators.keys().next().value!)
  }
  const r = v.safeParse(params)
  if (r.success) return []
  return r.error.issues.map((i) => ({ path: ['params', ...i.path.map(String)].join('.'), reason: i.message }))
}
