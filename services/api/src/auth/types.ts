/**
 * The access-control contract of the API (docs/api.md, "Roles and scopes"). Routes declare the
 * permission they need; `auth/` turns a request's credential into a Principal and decides.
 */

/** Roles, from least to most. A grant gives one role, optionally scoped. */
export const Role = { viewer: 'viewer', operator: 'operator', approver: 'approver', admin: 'admin' } as const
/** A role name. */
export type Role = (typeof Role)[keyof typeof Role]

/**
 * What a route needs. `read` covers every GET of run state; the others are one action each.
 * viewer: read. operator: read, trigger, cancel, retry, clear, pause, backfill. approver: read,
 * approve. admin: everything (tokens, deploy, archive, mark, audit too).
 */
export const Permission = {
  read: 'read',
  trigger: 'trigger',
  cancel: 'cancel',
  retry: 'retry',
  clear: 'clear',
  pause: 'pause',
  backfill: 'backfill',
  approve: 'approve',
  mark: 'mark',
  archive: 'archive',
  deploy: 'deploy',
  tokens: 'tokens',
  audit: 'audit',
  pools: 'pools',
} as const
/** A permission name. */
export type Permission = (typeof Permission)[keyof typeof Permission]

/** One role, for every workflow or only those matching a name glob or an owner. */
export interface Grant {
  readonly role: Role
  /** Glob over workflow names (`*` and `?`), e.g. `finance_*`. */
  readonly workflows?: string
  /** Only workflows whose `owner` is this. */
  readonly owner?: string
}

/** Who is calling: an API token or an OIDC identity, with its grants. */
export interface Principal {
  /** Stable id for the audit trail: `token:<name>` or `oidc:<subject>`. */
  readonly id: string
  readonly kind: 'token' | 'oidc'
  /** Display name (token name, or the OIDC email/name claim). */
  readonly name: string
  readonly grants: readonly Grant[]
  /** OIDC groups (for approval tasks' `approvers`), empty for tokens. */
  readonly groups: readonly string[]
}

/** What an action touches, for scoped grants: a workflow's name and owner (absent: not workflow-scoped). */
export interface ResourceScope {
  readonly workflow?: string
  readonly owner?: string | null
}
