import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

/**
 * Who owns what, for access control: a grant scoped by workflow glob or owner is checked against
 * the workflow a resource belongs to and that workflow's `owner` (of its current version).
 */

/** A workflow's name and owner. */
export interface WorkflowOwner {
  name: string
  owner: string | null
}

/** Every deployed workflow (archived ones too) with its owner, by name; or only the named ones. */
export async function workflowOwners(db: Db, names?: readonly string[]): Promise<WorkflowOwner[]> {
  let q = db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .select(['w.name', sql<string | null>`v.definition->>'owner'`.as('owner')])
    .orderBy('w.name')
  if (names) q = q.where('w.name', '=', sql<string>`ANY(${[...names]}::text[])`)
  return (await q.execute()).map((r) => ({ name: r.name, owner: r.owner }))
}

/** The workflow a run belongs to, or undefined for an unknown run id. */
export async function workflowOfRun(db: Db, runId: string): Promise<string | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return undefined
  return (await db.selectFrom('runs').select('workflow').where('id', '=', runId).executeTakeFirst())?.workflow
}

/** The workflow a backfill belongs to, or undefined for an unknown backfill id. */
export async function workflowOfBackfill(db: Db, backfillId: string): Promise<string | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(backfillId)) return undefined
  return (await db.selectFrom('backfills').select('workflow').where('id', '=', backfillId).executeTakeFirst())?.workflow
}

/** The sources the named workflows wait for or produce (current versions), sorted. */
export async function sourcesOfWorkflows(db: Db, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return []
  const rows = await db
    .selectFrom('workflow_sources')
    .select('source')
    .distinct()
    .where('workflow', '=', sql<string>`ANY(${[...names]}::text[])`)
    .orderBy('source')
    .execute()
  return rows.map((r) => r.source)
}
