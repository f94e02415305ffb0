import { Validator, type Schema } from '@cfworker/json-schema'

/**
 * JSON Schema validation of the generated forms (no React, no DOM), with @cfworker/json-schema.
 * Why not AJV (what @rjsf/validator-ajv8 runs): AJV compiles every schema to JavaScript with
 * `new Function`, which the UI's Content-Security-Policy (`script-src 'self'`, no 'unsafe-eval')
 * forbids, and params schemas are per workflow, so they cannot be precompiled at build time;
 * @cfworker/json-schema interprets the schema (draft 2020-12) instead. The API validates params
 * again: what it reports is shown on the fields too (`issueTree`).
 */

/** A problem with the data: where (property path), which keyword, and what is wrong in words. */
export interface SchemaIssue {
  path: (string | number)[]
  keyword: string
  message: string
}

/** Keywords that only report that something beneath them failed: the leaf issue says what. */
const SUMMARY_KEYWORDS = new Set(['properties', 'items', 'prefixItems', 'additionalItems', 'patternProperties', 'allOf', '$ref', 'then', 'else', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems'])

/** `#/params/0/month` → `['params', 0, 'month']`. */
function pointerPath(location: string): (string | number)[] {
  return location
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((raw) => {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
      return /^\d+$/.test(key) ? Number(key) : key
    })
}

/**
 * Every issue of `data` against `schema` (an empty list when it is valid). `root` lends its
 * `$defs`/`definitions` to a sub-schema (the form asks about parts of the params schema).
 */
export function checkSchema(schema: unknown, data: unknown, root: unknown = schema): SchemaIssue[] {
  if (schema === true || schema === undefined || schema === null) return []
  if (schema === false) return [{ path: [], keyword: 'false', message: 'is not allowed' }]
  const defs = typeof root === 'object' && root !== null && root !== schema ? { $defs: (root as Schema).$defs, definitions: (root as Schema).definitions } : {}
  const result = new Validator({ ...defs, ...(schema as Schema) }, '2020-12', false).validate(data)
  if (result.valid) return []
  const issues: SchemaIssue[] = []
  for (const e of result.errors) {
    // A branch of anyOf/oneOf failing is expected; the anyOf/oneOf issue itself is the one to show.
    if (SUMMARY_KEYWORDS.has(e.keyword) || /\/(anyOf|oneOf|not|if)\/?/.test(e.keywordLocation.replace(/\/(anyOf|oneOf)$/, ''))) continue
    let path = pointerPath(e.instanceLocation)
    let message = e.error
    // "Instance does not have required property "month"": shown on the missing field itself.
    const missing = e.keyword === 'required' ? /property "([^"]*)"/.exec(e.error) : null
    if (missing) {
      path = [...path, missing[1]!]
      message = 'is required'
    }
    issues.push({ path, keyword: e.keyword, message })
  }
  return issues
}

/** An issue's path as a property accessor (`.params.month`, `.items[2]`), as @rjsf expects. */
export function propertyOf(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `['${p.replace(/'/g, "\\'")}']`)).join('')
}

/** A nested error tree (`{ params: { month: { __errors: [...] } } }`) of the API's 400 issues whose path starts with `prefix`. */
export function issueTree(issues: readonly { path?: string; reason?: string }[], prefix = 'body.'): Record<string, unknown> {
  const tree: Record<string, unknown> = {}
  for (const issue of issues) {
    if (!issue.path?.startsWith(prefix) || !issue.reason) continue
    let node = tree
    for (const key of issue.path.slice(prefix.length).split('.')) {
      node[key] ??= {}
      node = node[key] as Record<string, unknown>
    }
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), issue.reason]
  }
  return tree
}
