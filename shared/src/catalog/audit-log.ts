import type { Db } from '../db/connect.js'
import { pgSafeJson, pgSafeText } from '../db/pg-safe.js'
import { ValidationError, type ValidationIssue } from '../errors.js'

/**
 * The audit log (docs/access-control.md, "Audit log"): who did what to which resource, with
 * which parameters and outcome, from where. Append-only in the database: a trigger refuses
 * UPDATE, DELETE and TRUNCATE on `audit_log`. A secret never reaches it (see `redactSecrets`).
 */

/** How an audited request ended. */
export const AuditResult = { ok: 'ok', denied: 'denied', failed: 'failed', unauthenticated: 'unauthenticated' } as const
/** An audit result word. */
export type AuditResult = (typeof AuditResult)[keyof typeof AuditResult]

/** One line of the audit log, as written. */
export interface AuditEntry {
  /** `token:<name>`, `oidc:<subject>`, `cli:<OS user>`, or `anonymous`. */
  actor: string
  /** The role the action was allowed under; null when none was (denied, unauthenticated, direct database access). */
  role: string | null
  /** What was attempted, e.g. `run.retry`, `token.create`. */
  action: string
  /** What it was done to, e.g. `run:<id>`, `workflow:<name>`, `token:<name>`. */
  resource: string | null
  /** The request's parameters; secrets are redacted before they are stored. */
  params: unknown
  result: 'ok' | 'denied' | 'failed' | 'unauthenticated'
  /** HTTP status of the answer, when there was one. */
  status: number | null
  /** Why it was denied or failed. */
  reason: string | null
  clientAddress: string | null
}

/** A stored audit line with its cursor id and time. */
export interface AuditRecord extends AuditEntry {
  id: string
  at: Date
}

/** Which audit lines `listAudit` returns (newest first). */
export interface AuditFilter {
  actor?: string
  action?: string
  result?: string
  /** At or after. */
  since?: Date
  /** Before (exclusive). */
  until?: Date
  /** Cursor: only lines older than this id (the last id of the previous page). */
  before?: string
  /** Default 100, at most 1000. */
  limit?: number
}

/** The value that replaces a secret in stored params. */
export const REDACTED = '[redacted]'

/** Keys whose values are secrets: compared lower-case without `-`/`_`, e.g. `clientSecret`, `X-Api-Token`, `password`. */
function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '')
  return k.endsWith('token') || k.includes('secret') || k.includes('password') || k.includes('passwd') || k === 'authorization' || k === 'apikey' || k === 'cookie'
}

/** A Baton token secret anywhere inside a string: its id is kept (it is public), the rest is not. */
const TOKEN_IN_TEXT = /\bbaton_([a-z2-7]{12})_[A-Za-z0-9_-]{43}/g
/** A bearer credential inside a string. */
const BEARER_IN_TEXT = /\bbearer\s+[A-Za-z0-9._~+/=-]+/gi

function redactText(text: string): string {
  if (!text.includes('baton_') && !/bearer/i.test(text)) return text
  return text.replace(TOKEN_IN_TEXT, `baton_$1_${REDACTED}`).replace(BEARER_IN_TEXT, `Bearer ${REDACTED}`)
}

/**
 * A copy of `value` fit for the audit log: the value of every key that names a secret (token,
 * secret, password, authorization, api key, cookie — at any depth) replaced by `[redacted]`, and
 * any Baton token or bearer credential inside a string cut out. Never modifies its input.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  // Deeper than any real request: stored as a marker, not walked (and no stack overflow).
  if (depth > 32) return REDACTED
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1))
  if (value instanceof Date) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const safe = isSecretKey(k) && v !== null && v !== undefined ? REDACTED : redactSecrets(v, depth + 1)
    // `out[k] = …` with k `__proto__` would set the prototype, not a property.
    Object.defineProperty(out, k, { value: safe, enumerable: true, writable: true, configurable: true })
  }
  return out
}

const nullableText = (v: string | null): string | null => (v === null ? null : pgSafeText(redactText(v)))

/** Appends one line to the audit log (params redacted and made storable). */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<void> {
  const params = entry.params === undefined || entry.params === null ? null : JSON.stringify(pgSafeJson(redactSecrets(entry.params)))
  await db
    .insertInto('audit_log')
    .values({
      actor: pgSafeText(entry.actor),
      role: entry.role,
      action: pgSafeText(entry.action),
      resource: nullableText(entry.resource),
      params,
      result: entry.result,
      status: entry.status,
      reason: nullableText(entry.reason),
      client_address: nullableText(entry.clientAddress),
    })
    .execute()
}

function filterIssues(filter: AuditFilter): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit >= 1 && filter.limit <= 1000)) {
    issues.push({ path: 'limit', reason: `must be an integer from 1 to 1000, got ${String(filter.limit)}` })
  }
  if (filter.before !== undefined && !/^[1-9]\d{0,14}$/.test(filter.before)) issues.push({ path: 'before', reason: `'${filter.before}' is not an audit id (a cursor from a previous page)` })
  if (filter.result !== undefined && !Object.values(AuditResult).includes(filter.result as AuditResult)) {
    issues.push({ path: 'result', reason: `unknown result '${filter.result}': use one of ${Object.values(AuditResult).join(', ')}` })
  }
  for (const key of ['since', 'until'] as const) {
    const d = filter[key]
    if (d !== undefined && !Number.isFinite(d.getTime())) issues.push({ path: key, reason: 'not a valid time' })
  }
  return issues
}

/** Audit lines matching `filter`, newest first; page with `before` = the last id of the previous page. */
export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const issues = filterIssues(filter)
  if (issues.length > 0) throw new ValidationError(issues)
  let q = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100)
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor)
  if (filter.action !== undefined) q = q.where('action', '=', filter.action)
  if (filter.result !== undefined) q = q.where('result', '=', filter.result)
  if (filter.since) q = q.where('at', '>=', filter.since)
  if (filter.until) q = q.where('at', '<', filter.until)
  if (filter.before !== undefined) q = q.where('id', '<', Number(filter.before))
  return (await q.execute()).map((r) => ({
    id: String(r.id),
    at: new Date(r.at),
    actor: r.actor,
    role: r.role,
    action: r.action,
    resource: r.resource,
    params: r.params ?? null,
    result: r.result as AuditResult,
    status: r.status,
    reason: r.reason,
    clientAddress: r.client_address,
  }))
}
