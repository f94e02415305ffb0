import { sql } from 'kysely'
import { compileWorkflow, nextFireTime, type CompiledWorkflow, type Db } from '@baton/shared'

/**
 * Stores a compiled workflow as a new version (content-addressed, so deploying the same
 * definition twice is a no-op) and makes it current. Runs already started keep their version.
 */
export async function deployWorkflow(db: Db, wf: CompiledWorkflow, now: Date = new Date()): Promise<{ hash: string; changed: boolean }> {
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
    await syncTriggers(trx, wf, now)
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

/**
 * Keeps the trigger tables in step with the current version: the sources it waits for and
 * produces, and its schedule. An unchanged schedule keeps its next tick; a new or changed one
 * starts from the next time after `now`; a removed one is dropped.
 */
async function syncTriggers(db: Db, wf: CompiledWorkflow, now: Date): Promise<void> {
  const def = wf.definition
  await db.deleteFrom('workflow_sources').where('workflow', '=', wf.name).execute()
  const sources = [
    ...(def.when?.sourcesLanded ?? []).map((source) => ({ workflow: wf.name, source, role: 'waits' })),
    ...def.produces.map((source) => ({ workflow: wf.name, source, role: 'produces' })),
  ]
  if (sources.length > 0) await db.insertInto('workflow_sources').values(sources).onConflict((oc) => oc.doNothing()).execute()
  const sched = def.schedule
  if (!sched) {
    await db.deleteFrom('schedules').where('workflow', '=', wf.name).execute()
    return
  }
  const current = await db.selectFrom('schedules').selectAll().where('workflow', '=', wf.name).executeTakeFirst()
  const same = current && current.cron === sched.cron && current.timezone === sched.timezone
  await db
    .insertInto('schedules')
    .values({
      workflow: wf.name,
      cron: sched.cron,
      timezone: sched.timezone,
      catchup: sched.catchup,
      max_active_runs: sched.maxActiveRuns ?? null,
      partition_kind: wf.partitionKind,
      next_fire_at: same ? current.next_fire_at : nextFireTime(sched, now),
    })
    .onConflict((oc) =>
      oc.column('workflow').doUpdateSet((eb) => ({
        cron: eb.ref('excluded.cron'),
        timezone: eb.ref('excluded.timezone'),
        catchup: eb.ref('excluded.catchup'),
        max_active_runs: eb.ref('excluded.max_active_runs'),
        partition_kind: eb.ref('excluded.partition_kind'),
        next_fire_at: eb.ref('excluded.next_fire_at'),
        updated_at: sql`now()`,
      })),
    )
    .execute()
}
