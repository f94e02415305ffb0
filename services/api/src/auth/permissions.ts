import { ValidationError, type ValidationIssue } from '@baton/shared'
import { Permission, Role, type Grant, type Principal, type ResourceScope } from './types.js'

/**
 * Who may do what (docs/access-control.md). Pure: a principal's grants, a permission and the
 * resource's scope decide; nothing is read. A principal is allowed when ONE of its grants both
 * has the permission (its role) and covers the resource (its scope).
 */

const ALL_PERMISSIONS = Object.freeze(Object.values(Permission))

/** The permissions of each role. Admin has every permission, present and future. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = Object.freeze({
  viewer: Object.freeze([Permission.read]),
  operator: Object.freeze([Permission.read, Permission.trigger, Permission.cancel, Permission.retry, Permission.clear, Permission.pause, Permission.backfill]),
  approver: Object.freeze([Permission.read, Permission.approve]),
  admin: ALL_PERMISSIONS,
})

/**
 * Whether `name` matches `glob` as a whole: `*` is any run of characters (also none), `?` exactly
 * one, every other character itself (no regular expression is built, so nothing in a glob is
 * special beyond those two). Linear backtracking over the last `*`: O(glob × name) at worst.
 */
export function globMatches(glob: string, name: string): boolean {
  let g = 0
  let n = 0
  let star = -1
  let resume = 0
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === name[n]))) {
      g++
      n++
    } else if (g < glob.length && glob[g] === '*') {
      star = g++
      resume = n
    } else if (star >= 0) {
      g = star + 1
      n = ++resume
    } else {
      return false
    }
  }
  while (g < glob.length && glob[g] === '*') g++
  return g === glob.length
}

/** Whether a grant limits itself to some workflows (by name glob or owner). */
function isScoped(grant: Grant): boolean {
  return grant.workflows !== undefined || grant.owner !== undefined
}

/**
 * Whether `grant` reaches the resource. An unscoped grant covers everything. A scoped grant covers
 * only a workflow's resources, and only when the workflow's name matches its glob and its owner
 * equals its owner (both, when it has both); never a resource outside every workflow (tokens,
 * the audit log, deploying a new definition).
 */
export function grantCovers(grant: Grant, scope: ResourceScope): boolean {
  if (!isScoped(grant)) return true
  if (scope.workflow === undefined) return false
  if (grant.workflows !== undefined && !globMatches(grant.workflows, scope.workflow)) return false
  if (grant.owner !== undefined && (scope.owner === undefined || scope.owner === null || scope.owner !== grant.owner)) return false
  return true
}

/** Whether the grant's role has the permission. */
function roleAllows(grant: Grant, permission: Permission): boolean {
  return (ROLE_PERMISSIONS[grant.role] as readonly Permission[] | undefined)?.includes(permission) ?? false
}

/** A grant in words: `operator`, `operator on finance_*`, `viewer for owner finance`. */
export function describeGrant(grant: Grant): string {
  const parts: string[] = [grant.role]
  if (grant.workflows !== undefined) parts.push(`on ${grant.workflows}`)
  if (grant.owner !== undefined) parts.push(`for owner ${grant.owner}`)
  return parts.join(' ')
}

function describePrincipal(principal: Principal): string {
  return principal.kind === 'token' ? `token '${principal.name}'` : `user '${principal.name}'`
}

function describeScope(scope: ResourceScope): string {
  if (scope.workflow === undefined) return ''
  return ` on workflow '${scope.workflow}'${scope.owner ? ` (owner ${scope.owner})` : ''}`
}

/** The result of `authorize`: allowed under a role, or refused naming the missing permission. */
export type Authorization = { ok: true; role: Role } | { ok: false; missing: Permission; reason: string }

/**
 * Whether `principal` may use `permission` on the resource. Allowed: the role of the first grant
 * that has the permission and covers the resource (for the audit log). Refused: the permission
 * and a reason naming the principal, the resource and its grants, e.g. "token 'ci' lacks
 * permission 'retry' on workflow 'daily_revenue' (grants: operator on finance_*)".
 */
export function authorize(principal: Principal, permission: Permission, scope: ResourceScope): Authorization {
  for (const grant of principal.grants) {
    if (roleAllows(grant, permission) && grantCovers(grant, scope)) return { ok: true, role: grant.role }
  }
  const grants = principal.grants.length === 0 ? 'no grants' : `grants: ${principal.grants.map(describeGrant).join(', ')}`
  return { ok: false, missing: permission, reason: `${describePrincipal(principal)} lacks permission '${permission}'${describeScope(scope)} (${grants})` }
}

/**
 * Which of `workflows` the principal may use `permission` on (default `read`): `'all'` when one of
 * its grants with the permission is unscoped (then list endpoints need no filter), else the names.
 */
export function readableWorkflows(principal: Principal, workflows: readonly { name: string; owner: string | null }[], permission: Permission = Permission.read): 'all' | Set<string> {
  const grants = principal.grants.filter((g) => roleAllows(g, permission))
  if (grants.some((g) => !isScoped(g))) return 'all'
  const names = new Set<string>()
  for (const w of workflows) {
    if (grants.some((g) => grantCovers(g, { workflow: w.name, owner: w.owner }))) names.add(w.name)
  }
  return names
}

const ROLES = Object.values(Role) as readonly string[]
/** Workflow name globs: the characters of workflow names plus `*` and `?` (as @baton/shared stores them). */
const GLOB = /^[A-Za-z0-9_.*?-]{1,200}$/

/**
 * Checks a grant from outside (a stored token, an OIDC role map, a request body) and returns it
 * as a Grant, or throws a ValidationError naming each bad field under `path`.
 */
export function validateGrant(value: unknown, path = 'grant'): Grant {
  const issues: ValidationIssue[] = []
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValidationError([{ path, reason: 'must be an object { role, workflows?, owner? }' }])
  const g = value as Record<string, unknown>
  for (const key of Object.keys(g)) if (!['role', 'workflows', 'owner'].includes(key)) issues.push({ path: `${path}.${key}`, reason: 'unknown field (a grant has role, workflows, owner)' })
  if (typeof g.role !== 'string' || !ROLES.includes(g.role)) issues.push({ path: `${path}.role`, reason: `unknown role ${JSON.stringify(g.role)}: use one of ${ROLES.join(', ')}` })
  if (g.workflows !== undefined && (typeof g.workflows !== 'string' || !GLOB.test(g.workflows))) {
    issues.push({ path: `${path}.workflows`, reason: `${JSON.stringify(g.workflows)} is not a workflow name glob (letters, digits, _ . - and the wildcards * and ?)` })
  }
  if (g.owner !== undefined && (typeof g.owner !== 'string' || g.owner.trim() === '')) issues.push({ path: `${path}.owner`, reason: 'must be a non-empty owner name' })
  if (g.workflows !== undefined && g.owner !== undefined) issues.push({ path, reason: 'scope a grant by workflows or by owner, not both' })
  if (issues.length > 0) throw new ValidationError(issues)
  return Object.freeze({ role: g.role as Role, ...(g.workflows !== undefined ? { workflows: g.workflows as string } : {}), ...(g.owner !== undefined ? { owner: g.owner as string } : {}) })
}

/**
 * Parses a grant written as text (CLI flags, environment): `operator`, `operator:workflows=finance_*`,
 * `viewer:owner=finance`. Throws a ValidationError naming the field (`role`, `workflows`, `owner`).
 */
export function parseGrant(text: string): Grant {
  const colon = text.indexOf(':')
  const grant: Record<string, string> = { role: (colon < 0 ? text : text.slice(0, colon)).trim() }
  const issues: ValidationIssue[] = []
  for (const part of colon < 0 ? [] : text.slice(colon + 1).split(',')) {
    const eq = part.indexOf('=')
    const key = (eq < 0 ? part : part.slice(0, eq)).trim()
    if (key !== 'workflows' && key !== 'owner') {
      issues.push({ path: key === '' ? 'grant' : key, reason: `unknown scope in grant '${text}': use ROLE, ROLE:workflows=GLOB or ROLE:owner=OWNER` })
    } else if (eq < 0 || part.slice(eq + 1).trim() === '') {
      issues.push({ path: key, reason: `needs a value in grant '${text}' (${key}=…)` })
    } else if (key in grant) {
      issues.push({ path: key, reason: `given twice in grant '${text}'` })
    } else {
      grant[key] = part.slice(eq + 1).trim()
    }
  }
  if (issues.length > 0) throw new ValidationError(issues)
  try {
    return validateGrant(grant, 'grant')
  } catch (e) {
    // `grant.role` → `role`: the text has no object path; the field is named as the user wrote it.
    if (e instanceof ValidationError) throw new ValidationError(e.issues.map((i) => ({ path: i.path.replace(/^grant\.?/, '') || 'grant', reason: `${i.reason} (in '${text}')` })))
    throw e
  }
}

/**
 * Every permission `principal` holds on the resource: what the web UI shows buttons for (the API
 * still checks each action itself). For an unscoped resource (`{}`), only unscoped grants count.
 */
export function allowedPermissions(principal: Principal, scope: ResourceScope): Permission[] {
  return ALL_PERMISSIONS.filter((p) => authorize(principal, p, scope).ok)
}
