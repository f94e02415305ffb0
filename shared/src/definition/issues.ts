import type { z } from 'zod'
import type { ValidationIssue } from '../errors.js'
import { suggestionFor } from './suggest.js'

/**
 * Turns zod's issues about a definition into the lines a user reads: the path of the field, then
 * the reason, with a "did you mean" for unknown keys (`tasks.a.run: unknown key 'shh' (did you
 * mean 'sh'?)`) and unions explained by what they accept instead of zod's "Invalid input".
 */

/** The zod definition fields this module reads (zod 4 keeps them under `_zod.def`). */
interface ZodDef {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  valueType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
  entries?: Record<string, string>
}

function def(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def
}

/** The schema without optional/default/nullable/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema
  for (;;) {
    const d = def(s)
    if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) s = d.innerType
    else if (d.type === 'pipe' && d.in) s = d.in
    else return s
  }
}

/** The schemas that may sit at `path` (several below a union). */
export function schemasAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current = [unwrap(root)]
  for (const seg of path) {
    const next: z.ZodType[] = []
    for (const s of current.flatMap(expandUnion)) {
      const d = def(s)
      if (d.type === 'object' && d.shape && typeof seg === 'string' && d.shape[seg]) next.push(unwrap(d.shape[seg]))
      else if (d.type === 'record' && d.valueType) next.push(unwrap(d.valueType))
      else if (d.type === 'array' && d.element && typeof seg === 'number') next.push(unwrap(d.element))
    }
    current = next
  }
  return current
}

function expandUnion(schema: z.ZodType): z.ZodType[] {
  const d = def(schema)
  return d.type === 'union' && d.options ? d.options.map(unwrap).flatMap(expandUnion) : [schema]
}

/** Keys of the object schema(s) at a path, in declaration order. */
function keysOf(schemas: readonly z.ZodType[]): string[] {
  const keys = new Set<string>()
  for (const s of schemas.flatMap(expandUnion)) {
    const d = def(s)
    // `$schema` is for editors; never offered as what a user meant.
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) if (!k.startsWith('$')) keys.add(k)
  }
  return [...keys]
}

/** What a schema accepts, in a few words ("a string", "an object with 'sh'", "one of a, b"). */
function describe(schema: z.ZodType): string {
  const d = def(schema)
  switch (d.type) {
    case 'string':
      return 'a string'
    case 'number':
    case 'int':
      return 'a number'
    case 'boolean':
      return 'true or false'
    case 'array':
      return 'a list'
    case 'record':
      return 'a map'
    case 'enum':
      return `one of ${Object.values(d.entries ?? {}).join(', ')}`
    case 'object': {
      const required = Object.entries(d.shape ?? {}).filter(([, v]) => def(v).type !== 'optional' && def(v).type !== 'default')
      return required.length === 1 ? `an object with '${required[0]![0]}'` : 'an object'
    }
    default:
      return d.type
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined
  return v
}

/** The dotted path users see (`tasks.load.retry.backoff`); the top level is empty. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}

function unknownKeyIssue(path: readonly PropertyKey[], key: string, known: readonly string[]): ValidationIssue {
  const close = suggestionFor(key, known)
  return { path: pathText(path), reason: `unknown key '${key}'${close ? ` (did you mean '${close}'?)` : known.length ? ` (expected one of: ${known.join(', ')})` : ''}` }
}

/** A union that failed: unknown keys get suggestions, combined alternatives are named, else what is accepted. */
function unionIssues(root: z.ZodType, input: unknown, path: readonly PropertyKey[]): ValidationIssue[] {
  const options = schemasAt(root, path).flatMap(expandUnion)
  const value = valueAt(input, path)
  const objects = options.filter((o) => def(o).type === 'object')
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && objects.length > 0) {
    const known = keysOf(objects)
    const keys = Object.keys(value)
    const unknown = keys.filter((k) => !known.includes(k))
    if (unknown.length > 0) return unknown.map((k) => unknownKeyIssue(path, k, known))
    // Each alternative is told apart by its first key (`sh`, `http`, `execution`…).
    const leads = objects.map((o) => Object.keys(def(o).shape ?? {})[0]!).filter(Boolean)
    const given = leads.filter((l) => keys.includes(l))
    if (given.length > 1) return [{ path: pathText(path), reason: `set one of ${given.map((g) => `'${g}'`).join(' or ')}, not both` }]
    if (given.length === 0) return [{ path: pathText(path), reason: `expected ${options.map(describe).join(' or ')}` }]
  }
  return [{ path: pathText(path), reason: `expected ${[...new Set(options.map(describe))].join(' or ')}, got ${typeName(value)}` }]
}

/**
 * Every zod issue of a failed definition parse, as user-facing issues. Issues inside a union are
 * replaced by one explanation of the union.
 */
export function definitionIssues(root: z.ZodType, input: unknown, error: z.ZodError): ValidationIssue[] {
  const out: ValidationIssue[] = []
  for (const issue of error.issues) {
    const i = issue as z.core.$ZodIssue & { keys?: string[]; issues?: { message: string }[]; input?: unknown }
    if (i.code === 'unrecognized_keys') {
      const parent = schemasAt(root, i.path)
      const known = keysOf(parent)
      // A key of another alternative of a union (`sh` beside `http`) is known, but not here.
      if ((i.keys ?? []).some((k) => known.includes(k))) out.push(...unionIssues(root, input, i.path))
      else for (const key of i.keys ?? []) out.push(unknownKeyIssue(i.path, key, known))
    } else if (i.code === 'invalid_union') {
      out.push(...unionIssues(root, input, i.path))
    } else if (i.code === 'invalid_key' && i.issues?.length) {
      // An invalid record key carries the key rule's own message in nested issues.
      out.push({ path: pathText(i.path), reason: i.issues.map((n) => n.message).join('; ') })
    } else if (i.code === 'invalid_value' && Array.isArray((i as { values?: unknown[] }).values)) {
      const values = (i as { values: unknown[] }).values.map(String)
      const given = valueAt(input, i.path)
      const close = typeof given === 'string' ? suggestionFor(given, values) : undefined
      out.push({ path: pathText(i.path), reason: `${JSON.stringify(given)} is not one of ${values.join(', ')}${close ? ` (did you mean '${close}'?)` : ''}` })
    } else if (i.code === 'invalid_type' && valueAt(input, i.path) === undefined) {
      out.push({ path: pathText(i.path), reason: `required (${describe(schemasAt(root, i.path)[0] ?? root)})` })
    } else {
      out.push({ path: pathText(i.path), reason: i.message.replace(/^Invalid input: /, '') })
    }
  }
  // Two union alternatives can report the same line; keep one.
  const seen = new Set<string>()
  return out.filter((x) => {
    const k = `${x.path}\u0000${x.reason}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
