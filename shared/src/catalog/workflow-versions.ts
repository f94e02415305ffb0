import type { Db } from '../db/connect.js'

/** One stored version of a workflow (content-addressed by its hash). */
export interface WorkflowVersionSummary {
  hash: string
  /** When this exact definition was first deployed. */
  createdAt: string
  /** True for the version new runs use. */
  current: boolean
}

/** A stored version with its definition. */
export interface WorkflowVersion extends WorkflowVersionSummary {
  name: string
  definition: unknown
}

/** Every version of a workflow, newest first; undefined when no workflow has this name. */
export async function listWorkflowVersions(db: Db, name: string): Promise<WorkflowVersionSummary[] | undefined> {
  const wf = await db.selectFrom('workflows').select('current_hash').where('name', '=', name).executeTakeFirst()
  if (!wf) return undefined
  const rows = await db
    .selectFrom('workflow_versions as v')
    .select(['v.hash', 'v.created_at'])
    .where('v.name', '=', name)
    .orderBy('v.created_at', 'desc')
    .orderBy('v.hash')
    .execute()
  return rows.map((r) => ({ hash: r.hash, createdAt: new Date(r.created_at).toISOString(), current: r.hash === wf.current_hash }))
}

/** One version of a workflow with its definition; undefined when the workflow has no such version. */
export async function getWorkflowVersion(db: Db, name: string, hash: string): Promise<WorkflowVersion | undefined> {
  const row = await db
    .selectFrom('workflow_versions as v')
    .leftJoin('workflows as w', 'w.name', 'v.name')
    .select(['v.hash', 'v.name', 'v.definition', 'v.created_at', 'w.current_hash'])
    .where('v.name', '=', name)
    .where('v.hash', '=', hash)
    .executeTakeFirst()
  if (!row) return undefined
  return { hash: row.hash, name: row.name, definition: row.definition, createdAt: new Date(row.created_at).toISOString(), current: row.hash === row.current_hash }
}
