import type { FastifyRequest } from 'fastify'
import { NotFoundError, workflowOfBackfill, workflowOfRun, workflowOwners, type Db } from '@baton/shared'
import { PermissionDeniedError } from './errors.js'
import { authorize, describeGrant, readableWorkflows, ROLE_PERMISSIONS } from './permissions.js'
import type { Permission, Principal, ResourceScope, Role } from './types.js'

/**
 * How a route finds the workflow its resource belongs to, for scoped grants (docs/api.md,
 * "Roles and scopes"). Every route declares one in its `config` (or `public: true`):
 *
 * - `workflow`: the path parameter `name` is a workflow name;
 * - `run`: the path parameter `id` is a run id (its workflow is looked up);
 * - `backfill`: the path parameter `id` is a backfill id;
 * - `each`: the handler decides per workflow — list routes keep only what `readable()` allows,
 *   bulk actions authorize each item. The route itself only needs a grant with the permission;
 * - `global` (the default): a resource outside every workflow (tokens, the audit log, dead
 *   letters), which only an unscoped grant reaches.
 *
 * An id that names nothing is 404 before any permission is checked: a scoped caller can learn
 * that a run id exists in another team's workflow, never what it holds (403 names the permission).
 */
export type ScopeSource = 'workflow' | 'run' | 'backfill' | 'each' | 'global'

/** What the access check of a request decided: the role it acts under, and on what. */
export interface RequestAccess {
  readonly principal: Principal
  /** The role of the grant that allowed the request (the audit log records it). */
  readonly role: Role
  readonly scope: ResourceScope
  /** `workflow:<name>`, `run:<id>`, `backfill:<id>`, or null for global and `each` routes. */
  readonly resource: string | null
}

/** The workflow (and its owner) a request's resource belongs to; NotFoundError for an unknown id. */
export async function resolveScope(db: Db, source: ScopeSource, params: Record<string, unknown>): Promise<{ scope: ResourceScope; resource: string | null }> {
  if (source === 'global' || source === 'each') return { scope: {}, resource: null }
  const id = String(params[source === 'workflow' ? 'name' : 'id'] ?? '')
  const workflow = source === 'workflow' ? id : source === 'run' ? await workflowOfRun(db, id) : await workflowOfBackfill(db, id)
  const owner = workflow === undefined ? undefined : (await workflowOwners(db, [workflow]))[0]
  if (!owner) throw new NotFoundError(source, id)
  return { scope: { workflow: owner.name, owner: owner.owner }, resource: `${source}:${id}` }
}

/**
 * Checks that `principal` may use `permission` on the resource, and returns the role that allows
 * it; a PermissionDeniedError naming the permission otherwise. For `each` routes any grant
 * holding the permission will do (the handler narrows it down per workflow).
 */
export function requirePermission(principal: Principal, permission: Permission, source: ScopeSource, scope: ResourceScope): Role {
  if (source === 'each') {
    const grant = principal.grants.find((g) => (ROLE_PERMISSIONS[g.role] as readonly Permission[]).includes(permission))
    if (grant) return grant.role
    const who = principal.kind === 'token' ? `token '${principal.name}'` : `user '${principal.name}'`
    const grants = principal.grants.length === 0 ? 'no grants' : `grants: ${principal.grants.map(describeGrant).join(', ')}`
    throw new PermissionDeniedError(permission, `${who} lacks permission '${permission}' on any workflow (${grants})`)
  }
  const decision = authorize(principal, permission, scope)
  if (!decision.ok) throw new PermissionDeniedError(decision.missing, decision.reason)
  return decision.role
}

/**
 * The workflows `principal` may use `permission` on: `'all'` for an unscoped grant, else their
 * names (from every deployed workflow's name and owner). List routes filter with it.
 */
export async function readableNames(db: Db, principal: Principal, permission: Permission): Promise<'all' | Set<string>> {
  // An unscoped grant needs no lookup.
  const quick = readableWorkflows(principal, [], permission)
  if (quick === 'all') return 'all'
  return readableWorkflows(principal, await workflowOwners(db), permission)
}

/**
 * For routes whose workflow is named in the body (trigger, backfill, deploy, a landing's waiting
 * workflows): checks `permission` on it, and records the role that allowed it and the resource,
 * as the audit log shows them. A PermissionDeniedError naming the permission otherwise.
 */
export function authorizeWorkflow(request: FastifyRequest, permission: Permission, scope: ResourceScope & { readonly workflow: string }, resource = `workflow:${scope.workflow}`): void {
  const access = request.access!
  request.access = { ...access, role: requirePermission(access.principal, permission, 'workflow', scope), resource }
}
