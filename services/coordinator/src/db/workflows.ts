import { sql } from 'kysely'
import { compileWorkflow, type CompiledWorkflow, type Db } from '@baton/shared'

/**
 * Stores a compiled workflow as a new version (content-addressed, so deploying the same
 * definition twice is a no-op) and makes it current. Runs already started keep their version.
 */
export async function deployWorkflow(db: Db, wf: CompiledWorkflow): Promise<{ hash: string; changed: boolean }> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('workflow_versions')
      .values({ hash: wf.hash, name: wf.name, definition: JSON.stringify(wf.definition) })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute()
    const prev = await trx.selectFrom('workflows').select('current_hash').where('name', '=', wf.name).forUpdate().executeTakeFirst()
    if (prev?.current_hash === wf.hash) return { hash: wf.hash, changed: false }
    await trx
      .insertInto('workflows')
      .values({ name: wf.name, current_hash: wf.hash })
      .onConflict((oc) => oc.column('name').doUpdateSet({ current_hash: wf.hash, updated_at: sql`now()` }))
      .execute()
    return { hash: wf.hash, changed: true }
  })
}

/** Current version hash of each named workflow (missing names are absent from the map). */
export async function currentVersions(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map()
  const rows = await db.selectFrom('workflows').select(['name', 'current_hash']).where('name', '=', sql<string>`ANY(${[...names]})`).execute()
  return new Map(rows.map((r) => [r.name, r.current_hash]))
}

/** Loads and compiles a stored version. */
export async function loadVersion(db: Db, hash: string): Promise<CompiledWorkflow | undefined> {
  const row = await db.selectFrom('workflow_versions').select('definition').where('hash', '=', hash).executeTakeFirst()
  return row ? compileWorkflow(row.definition) : undefined
}

/** Every deployed workflow with its current definition. */
export async function listWorkflows(db: Db): Promise<{ name: string; hash: string; definition: unknown; updatedAt: Date }[]> {
  const rows = await db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .select(['w.name', 'w.current_hash', 'v.definition', 'w.updated_at'])
    .orderBy('w.name')
    .execute()
  return rows.map((r) => ({ name: r.name, hash: r.current_hash, definition: r.definition, updatedAt: r.updated_at }))
}
