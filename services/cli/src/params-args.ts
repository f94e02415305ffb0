import { ValidationError, type ValidationIssue } from '@baton/shared'

/** Parses `k=v` params; values are typed by the workflow's params schema when it names a type. */
export function parseParams(pairs: readonly string[], schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const props = (schema?.properties ?? {}) as Record<string, { type?: string | string[] }>
  const params: Record<string, unknown> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new ValidationError([{ path: '--param', reason: `expected key=value, got "${pair}"` }])
    const key = pair.slice(0, eq)
    const raw = pair.slice(eq + 1)
    const type = props[key]?.type
    const types = Array.isArray(type) ? type : type ? [type] : []
    if (types.length > 0 && !types.includes('string')) {
      try {
        params[key] = JSON.parse(raw)
        continue
      } catch {
        // Leave it a string; schema validation names the field and the expected type.
      }
    }
    params[key] = raw
  }
  return params
}

/**
 * Points params problems at the flag the user typed: `params.slep: unknown param 'slep' …`
 * becomes `--param slep=3: unknown param 'slep' …`; a missing required param stays `params.date`.
 */
export function asParamFlags(issues: readonly ValidationIssue[], pairs: readonly string[]): ValidationIssue[] {
  return issues.map((i) => {
    const name = /^params\.([^.]+)/.exec(i.path)?.[1]
    const pair = name === undefined ? undefined : pairs.find((p) => p.slice(0, p.indexOf('=')) === name)
    return pair ? { path: `--param ${pair}`, reason: i.reason } : i
  })
}
