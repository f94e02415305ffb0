import { test } from 'node:test'
import assert from 'node:assert/strict'
import { API_ROLES, ValidationError } from '@baton/shared'
import { authorize, globMatches, grantCovers, parseGrant, readableWorkflows, ROLE_PERMISSIONS, validateGrant } from './permissions.js'
import { Permission, Role, type Grant, type Principal, type ResourceScope } from './types.js'

// The expected table, written out from the issue (not derived from ROLE_PERMISSIONS): viewer
// reads; operator reads, triggers, cancels, retries, clears, pauses and backfills; approver reads
// and approves; admin does everything (creating, resizing and deleting pools among it).
const EXPECTED: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'trigger', 'cancel', 'retry', 'clear', 'pause', 'backfill'],
  approver: ['read', 'approve'],
  admin: ['read', 'trigger', 'cancel', 'retry', 'clear', 'pause', 'backfill', 'approve', 'mark', 'archive', 'deploy', 'tokens', 'audit', 'pools'],
}

const ROLES = Object.values(Role)
const PERMISSIONS = Object.values(Permission)

const FINANCE: ResourceScope = { workflow: 'finance_daily', owner: 'finance' }
const MARKETING: ResourceScope = { workflow: 'marketing_daily', owner: 'marketing' }
const UNOWNED: ResourceScope = { workflow: 'finance_orphan', owner: null }
const OUTSIDE: ResourceScope = {}

/** Each grant shape with the resources it must cover and must not. */
const SHAPES: { name: string; grant: (role: Role) => Grant; covers: ResourceScope[]; misses: ResourceScope[] }[] = [
  { name: 'unscoped', grant: (role) => ({ role }), covers: [FINANCE, MARKETING, UNOWNED, OUTSIDE], misses: [] },
  { name: 'glob finance_*', grant: (role) => ({ role, workflows: 'finance_*' }), covers: [FINANCE, UNOWNED], misses: [MARKETING, OUTSIDE] },
  { name: 'owner finance', grant: (role) => ({ role, owner: 'finance' }), covers: [FINANCE], misses: [MARKETING, UNOWNED, OUTSIDE] },
]

function principal(grants: Grant[], kind: Principal['kind'] = 'token', name = 'ci'): Principal {
  return { id: `${kind}:${name}`, kind, name, grants, groups: [] }
}

const label = (s: ResourceScope): string => (s.workflow === undefined ? 'a resource outside every workflow' : `workflow ${s.workflow} (owner ${String(s.owner)})`)

test('ROLE_PERMISSIONS is the table of the issue, and @baton/shared knows the same roles', () => {
  for (const role of ROLES) assert.deepEqual([...ROLE_PERMISSIONS[role]].sort(), [...EXPECTED[role]].sort(), role)
  assert.deepEqual([...ROLE_PERMISSIONS.admin].sort(), [...PERMISSIONS].sort(), 'admin has every permission')
  assert.deepEqual([...API_ROLES], ROLES)
})

test('every role × permission × grant scope × resource: allowed exactly when the role has the permission and the scope covers the resource', () => {
  let cases = 0
  for (const role of ROLES) {
    for (const permission of PERMISSIONS) {
      const hasPermission = EXPECTED[role].includes(permission)
      for (const shape of SHAPES) {
        const p = principal([shape.grant(role)])
        for (const [scope, inScope] of [...shape.covers.map((s) => [s, true] as const), ...shape.misses.map((s) => [s, false] as const)]) {
          const result = authorize(p, permission, scope)
          const what = `${role} (${shape.name}) ${permission} on ${label(scope)}`
          assert.equal(grantCovers(shape.grant(role), scope), inScope, `covers: ${what}`)
          if (hasPermission && inScope) {
            assert.deepEqual(result, { ok: true, role }, what)
          } else {
            assert.equal(result.ok, false, what)
            if (!result.ok) {
              assert.equal(result.missing, permission, what)
              assert.match(result.reason, new RegExp(`^token 'ci' lacks permission '${permission}'`), what)
            }
          }
          cases++
        }
      }
    }
  }
  assert.equal(cases, ROLES.length * PERMISSIONS.length * SHAPES.reduce((n, s) => n + s.covers.length + s.misses.length, 0))
})

test('a refusal names the principal, the permission, the workflow and the grants', () => {
  const ci = principal([{ role: 'operator', workflows: 'finance_*' }])
  const r = authorize(ci, 'retry', { workflow: 'daily_revenue', owner: 'sales' })
  assert.deepEqual(r, { ok: false, missing: 'retry', reason: "token 'ci' lacks permission 'retry' on workflow 'daily_revenue' (owner sales) (grants: operator on finance_*)" })
  const alice = principal([], 'oidc', 'alice@example.com')
  assert.deepEqual(authorize(alice, 'read', OUTSIDE), { ok: false, missing: 'read', reason: "user 'alice@example.com' lacks permission 'read' (no grants)" })
  const two = principal([{ role: 'viewer' }, { role: 'approver', owner: 'finance' }])
  assert.equal((authorize(two, 'tokens', OUTSIDE) as { reason: string }).reason, "token 'ci' lacks permission 'tokens' (grants: viewer, approver for owner finance)")
})

test('grants add up: the first grant that allows decides the role', () => {
  const p = principal([{ role: 'viewer' }, { role: 'operator', workflows: 'finance_*' }, { role: 'admin', owner: 'finance' }])
  assert.deepEqual(authorize(p, 'read', MARKETING), { ok: true, role: 'viewer' })
  assert.deepEqual(authorize(p, 'retry', FINANCE), { ok: true, role: 'operator' })
  assert.deepEqual(authorize(p, 'mark', FINANCE), { ok: true, role: 'admin' })
  assert.equal(authorize(p, 'retry', MARKETING).ok, false)
  assert.equal(authorize(p, 'audit', OUTSIDE).ok, false, 'a scoped admin grant does not reach the audit log')
})

test('globs: * and ? anchored at both ends; every other character is itself', () => {
  const yes: [string, string][] = [
    ['*', ''],
    ['*', 'anything'],
    ['finance_*', 'finance_'],
    ['finance_*', 'finance_daily'],
    ['*_daily', 'finance_daily'],
    ['f?nance', 'finance'],
    ['*a*b*', 'xxaxxbxx'],
    ['a*a*a', 'aaa'],
    ['exact', 'exact'],
    ['a.b', 'a.b'],
    ['**', 'x'],
  ]
  const no: [string, string][] = [
    ['finance_*', 'my_finance_daily'],
    ['*_daily', 'finance_daily_2'],
    ['f?nance', 'fnance'],
    ['exact', 'exactly'],
    ['exact', 'inexact'],
    ['a.b', 'axb'],
    ['a+', 'aa'],
    ['(a|b)', 'a'],
    ['[ab]', 'a'],
    ['^a$', 'a'],
    ['?', ''],
    ['a*a*a', 'aa'],
  ]
  for (const [g, n] of yes) assert.equal(globMatches(g, n), true, `${g} ~ ${n}`)
  for (const [g, n] of no) assert.equal(globMatches(g, n), false, `${g} !~ ${n}`)
  // No catastrophic backtracking.
  const started = Date.now()
  assert.equal(globMatches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false)
  assert.ok(Date.now() - started < 1000)
})

test('readableWorkflows: all for an unscoped grant with the permission, else the names its grants cover', () => {
  const workflows = [
    { name: 'finance_daily', owner: 'finance' },
    { name: 'finance_orphan', owner: null },
    { name: 'marketing_daily', owner: 'marketing' },
    { name: 'ledger', owner: 'finance' },
  ]
  assert.equal(readableWorkflows(principal([{ role: 'viewer' }]), workflows), 'all')
  assert.deepEqual(readableWorkflows(principal([{ role: 'viewer', workflows: 'finance_*' }]), workflows), new Set(['finance_daily', 'finance_orphan']))
  assert.deepEqual(readableWorkflows(principal([{ role: 'operator', owner: 'finance' }]), workflows), new Set(['finance_daily', 'ledger']))
  assert.deepEqual(readableWorkflows(principal([]), workflows), new Set())
  // The permission decides which grants count: a viewer grant does not let one retry anything.
  const mixed = principal([{ role: 'viewer' }, { role: 'operator', workflows: 'marketing_*' }])
  assert.equal(readableWorkflows(mixed, workflows), 'all')
  assert.deepEqual(readableWorkflows(mixed, workflows, 'retry'), new Set(['marketing_daily']))
  assert.deepEqual(readableWorkflows(mixed, workflows, 'approve'), new Set())
})

/** The ValidationError `fn` throws, as `path: reason` lines. */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e))
    return e.issues.map((i) => `${i.path}: ${i.reason}`)
  }
  assert.fail('expected a ValidationError')
}

test('parseGrant reads role, role:workflows=GLOB and role:owner=OWNER', () => {
  assert.deepEqual(parseGrant('operator'), { role: 'operator' })
  assert.deepEqual(parseGrant('operator:workflows=finance_*'), { role: 'operator', workflows: 'finance_*' })
  assert.deepEqual(parseGrant('viewer:owner=finance'), { role: 'viewer', owner: 'finance' })
  assert.deepEqual(parseGrant(' admin '), { role: 'admin' })
})

test('parseGrant names the bad field', () => {
  assert.match(issuesOf(() => parseGrant('boss'))[0]!, /^role: unknown role "boss": use one of viewer, operator, approver, admin/)
  assert.match(issuesOf(() => parseGrant(''))[0]!, /^role: unknown role ""/)
  assert.match(issuesOf(() => parseGrant('viewer:team=x'))[0]!, /^team: unknown scope in grant 'viewer:team=x'/)
  assert.match(issuesOf(() => parseGrant('viewer:owner='))[0]!, /^owner: needs a value/)
  assert.match(issuesOf(() => parseGrant('viewer:workflows'))[0]!, /^workflows: needs a value/)
  assert.match(issuesOf(() => parseGrant('viewer:workflows=a b'))[0]!, /^workflows: "a b" is not a workflow name glob/)
  assert.match(issuesOf(() => parseGrant('viewer:owner=a,owner=b'))[0]!, /^owner: given twice/)
  assert.match(issuesOf(() => parseGrant('viewer:owner=a,workflows=b'))[0]!, /^grant: scope a grant by workflows or by owner, not both/)
})

test('validateGrant accepts a grant object and refuses unknown fields, roles and bad scopes', () => {
  assert.deepEqual(validateGrant({ role: 'approver', owner: 'finance' }), { role: 'approver', owner: 'finance' })
  assert.deepEqual(issuesOf(() => validateGrant('admin', 'roleMap.admins')), ['roleMap.admins: must be an object { role, workflows?, owner? }'])
  const many = issuesOf(() => validateGrant({ role: 'root', team: 'x', owner: '' }, 'g'))
  assert.deepEqual(many.map((l) => l.split(':')[0]), ['g.team', 'g.role', 'g.owner'])
})
