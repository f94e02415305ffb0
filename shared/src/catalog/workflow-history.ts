import diff from 'microdiff'
import type { Db } from '../db/connect.js'
import { NotFoundError, ValidationError } from '../errors.js'

/** One deploy of a workflow: the version it made current, who, when. */
export interface WorkflowDeployment {
  hash: string
  /** `cli:<OS user>`, `token:<name>`, `oidc:<sub>`; null for a version stored before deploys were recorded. */
  deployedBy: string | null
  deployedAt: string
  /** The deploy restored an archived workflow. */
  restored: boolean
  /** This deploy's version is the one new runs use now. */
  current: boolean
  /** Runs on this version (any status). */
  runs: number
}

/**
 * A workflow's deploys, newest first: each time a version became current (a version deployed
 * again later appears again). Versions stored before deploys were recorded appear once, at
 * their creation, with `deployedBy: null`. Undefined when no workflow has this name.
 */
export async function listWorkflowHistory(db: Db, name: string): Promise<WorkflowDeployment[] | undefined> {
  const wf = await db.selectFrom('workflows').select('current_hash').where('name', '=', name).executeTakeFirst()
  if (!wf) return undefined
  const deploys = await db.selectFrom('workflow_deployments').select(['id', 'hash', 'deployed_by', 'deployed_at', 'restored']).where('workflow', '=', name).orderBy('id', 'desc').execute()
  const versions = await db.selectFrom('workflow_versions').select(['hash', 'created_at']).where('name', '=', name).execute()
  const runs = await db.selectFrom('runs').select(['version_hash']).select((eb) => eb.fn.countAll<string>().as('n')).where('workflow', '=', name).groupBy('version_hash').execute()
  const runCount = new Map(runs.map((r) => [r.version_hash, Number(r.n)]))
  const recorded = new Set(deploys.map((d) => d.hash))
  const rows = [
    ...deploys.map((d) => ({ hash: d.hash, deployedBy: d.deployed_by as string | null, at: new Date(d.deployed_at), restored: d.restored })),
    ...versions.filter((v) => !recorded.has(v.hash)).map((v) => ({ hash: v.hash, deployedBy: null, at: new Date(v.created_at), restored: false })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime())
  // Only the newest deploy of the current version is "current".
  let currentSeen = false
  return rows.map((r) => {
    const current = !currentSeen && r.hash === wf.current_hash
    if (current) currentSeen = true
    return { hash: r.hash, deployedBy: r.deployedBy, deployedAt: r.at.toISOString(), restored: r.restored, current, runs: runCount.get(r.hash) ?? 0 }
  })
}

/** One difference between two versions' definitions. */
export interface DefinitionChange {
  /** Dotted path: `tasks.load.retry.attempts`, `schedule.cron`. */
  path: string
  kind: 'added' | 'removed' | 'changed'
  before?: unknown
  after?: unknown
}

/** Two versions of a workflow and what changed from the first to the second. */
export interface WorkflowDiff {
  workflow: string
  from: string
  to: string
  changes: DefinitionChange[]
}

/** A version of `name` by its hash or a prefix of it (at least 6 characters), or `current`. */
async function resolveVersion(db: Db, name: string, given: string): Promise<{ hash: string; definition: unknown }> {
  let ref = given
  if (ref === 'current') {
    const wf = await db.selectFrom('workflows').select('current_hash').where('name', '=', name).executeTakeFirst()
    if (!wf) throw new NotFoundError('workflow', name)
    ref = wf.current_hash
  }
  if (!/^[0-9a-f]{6,64}$/.test(ref)) throw new ValidationError([{ path: 'version', reason: `'${ref}' is not a version: give 'current' or at least 6 hex characters of a hash (baton workflows history ${name})` }])
  const rows = await db.selectFrom('workflow_versions').select(['hash', 'definition']).where('name', '=', name).where('hash', 'like', `${ref}%`).limit(2).execute()
  if (rows.length === 0) throw new NotFoundError('version', `${name}@${ref}`)
  if (rows.length > 1) throw new ValidationError([{ path: 'version', reason: `version '${ref}' of ${name} is ambiguous: give more characters` }])
  return rows[0]!
}

/** What changed in a workflow's definition from version `from` to version `to` (hashes, prefixes or `current`). */
export async function diffWorkflowVersions(db: Db, name: string, from: string, to: string): Promise<WorkflowDiff> {
  const a = await resolveVersion(db, name, from)
  const b = await resolveVersion(db, name, to)
  return { workflow: name, from: a.hash, to: b.hash, changes: diffDefinitions(a.definition, b.definition) }
}

/** Differences between two definitions, by dotted path, sorted (pure). */
export function diffDefinitions(before: unknown, after: unknown): DefinitionChange[] {
  const changes = diff((before ?? {}) as Record<string, unknown>, (after ?? {}) as Record<string, unknown>)
  return changes
    .map((c): DefinitionChange => {
      const path = c.path.join('.')
      if (c.type === 'CREATE') return { path, kind: 'added', after: c.value }
      if (c.type === 'REMOVE') return { path, kind: 'removed', before: c.oldValue }
      return { path, kind: 'changed', before: c.oldValue, after: c.value }
    })
    .sort((x, y) => x.path.localeCompare(y.path))
}
