import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { BatonError, NotFoundError, ValidationError, type ValidationIssue } from '../errors.js'
import { compileWorkflow, type CompiledWorkflow } from '../definition/compile.js'
import { nextFireTime } from '../schedule/cron-schedule.js'
import { declarePools } from './pools.js'

/** What `deployWorkflow` did. */
export interface DeployResult {
  readonly hash: string
  /** False when this exact definition was already the current, active version. */
  readonly changed: boolean
  /** True when the workflow was archived (`baton undeploy`) and this deploy restored it. */
  readonly restored: boolean
}

/**
 * Stores a compiled workflow as a new version (content-addressed, so deploying the same
 * definition twice is a no-op) and makes it current and active, recording who (`by`) and when
 * in `workflow_deployments`. Runs already started keep their
 * version. Deploying an archived workflow restores it: its schedule starts again from the next
 * tick after `now` (missed ticks are not caught up), its sources gate runs again.
 */
export async function deployWorkflow(db: Db, wf: CompiledWorkflow, now: Date = new Date(), options: { readonly by?: string } = {}): Promise<DeployResult> {
  return db.transaction().execute(async (trx) => {
    // Declared pools first: the tasks' pool check then sees the ones this deploy created.
    await declarePools(trx, wf.definition, options.by ?? 'unknown')
    await checkPools(trx, wf)
    await checkSubWorkflows(trx, wf)
    await trx
      .insertInto('workflow_versions')
      .values({ hash: wf.hash, name: wf.name, definition: JSON.stringify(wf.definition) })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute()
    const prev = await trx.selectFrom('workflows').select(['current_hash', 'archived_at']).where('name', '=', wf.name).forUpdate().executeTakeFirst()
    const restored = prev?.archived_at != null
    if (prev?.current_hash === wf.hash && !restored) return { hash: wf.hash, changed: false, restored: false }
    await trx
      .insertInto('workflows')
      .values({ name: wf.name, current_hash: wf.hash })
      .onConflict((oc) => oc.column('name').doUpdateSet({ current_hash: wf.hash, archived_at: null, updated_at: sql`now()` }))
      .execute()
    await syncTriggers(trx, wf, now)
    await trx.insertInto('workflow_deployments').values({ workflow: wf.name, hash: wf.hash, deployed_by: options.by ?? 'unknown', deployed_at: now, restored }).execute()
    return { hash: wf.hash, changed: true, restored }
  })
}

/**
 * The pools a workflow's tasks name must exist and be large enough for each task's `slots`
 * (checked at deploy, so a task can never wait for a pool that cannot admit it). Locks the pool
 * rows it reads: a concurrent `baton pools set` shrinking one waits for the deploy, and its own
 * check sees the new version.
 */
async function checkPools(db: Db, wf: CompiledWorkflow): Promise<void> {
  const wanted = [...wf.tasks.values()].flatMap((t) => (wf.definition.tasks[t.id]?.pool !== undefined ? [{ task: t.id, pool: wf.definition.tasks[t.id]!.pool!, slots: wf.definition.tasks[t.id]!.slots ?? 1 }] : []))
  if (wanted.length === 0) return
  const rows = await db.selectFrom('pools').select(['name', 'slots']).where('name', 'in', [...new Set(wanted.map((w) => w.pool))]).forShare().execute()
  const size = new Map(rows.map((r) => [r.name, r.slots]))
  const issues: ValidationIssue[] = []
  for (const w of wanted) {
    const slots = size.get(w.pool)
    if (slots === undefined) issues.push({ path: `tasks.${w.task}.pool`, reason: `pool '${w.pool}' does not exist (create it with: baton pools set ${w.pool} --slots N)` })
    else if (w.slots > slots) issues.push({ path: `tasks.${w.task}.slots`, reason: `task '${w.task}' asks for ${w.slots} slots of pool '${w.pool}', which has ${slots}` })
  }
  if (issues.length > 0) throw new ValidationError(issues)
}

/** The workflows a definition's tasks run as sub-workflows, by task id. */
function childrenOf(def: { tasks: Record<string, { run?: unknown }> }): Map<string, string> {
  const out = new Map<string, string>()
  for (const [id, t] of Object.entries(def.tasks)) {
    const child = (t.run as { workflow?: unknown } | undefined)?.workflow
    if (typeof child === 'string') out.set(id, child)
  }
  return out
}

/**
 * A workflow's sub-workflows must be deployed (and not archived), and no chain of sub-workflows
 * may lead back to it: with this version in place of the current one, a cycle is refused with
 * its path, so a run can never start itself, directly or through others.
 */
async function checkSubWorkflows(db: Db, wf: CompiledWorkflow): Promise<void> {
  const mine = childrenOf(wf.definition)
  if (mine.size === 0) return
  const rows = await db
    .selectFrom('workflows')
    .innerJoin('workflow_versions', 'workflow_versions.hash', 'workflows.current_hash')
    .select(['workflows.name', 'workflows.archived_at', 'workflow_versions.definition'])
    .execute()
  const live = new Map(rows.filter((r) => r.archived_at === null).map((r) => [r.name, [...childrenOf(r.definition as { tasks: Record<string, { run?: unknown }> }).values()]]))
  live.set(wf.name, [...mine.values()])
  const issues: ValidationIssue[] = []
  for (const [task, child] of mine) {
    if (child !== wf.name && !live.has(child)) {
      const archived = rows.some((r) => r.name === child)
      issues.push({ path: `tasks.${task}.run.workflow`, reason: archived ? `sub-workflow '${child}' is archived (deploy it again first)` : `sub-workflow '${child}' is not deployed (deploy it first)` })
      continue
    }
    const path = cycleFrom(child, wf.name, live)
    if (path) issues.push({ path: `tasks.${task}.run.workflow`, reason: `sub-workflow cycle: ${[wf.name, ...path].join(' → ')}` })
  }
  if (issues.length > 0) throw new ValidationError(issues)
}

/** A path of sub-workflows from `start` back to `target` (ending with it), if there is one. */
function cycleFrom(start: string, target: string, edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const seen = new Set<string>()
  const walk = (name: string): string[] | undefined => {
    if (name === target) return [name]
    if (seen.has(name)) return undefined
    seen.add(name)
    for (const next of edges.get(name) ?? []) {
      const rest = walk(next)
      if (rest) return [name, ...rest]
    }
    return undefined
  }
  return walk(start)
}

/**
 * Archives a workflow (`baton undeploy`): no schedule, source landing or request starts a run of
 * it any more, and it leaves `baton status`; its versions, runs and history stay readable. Runs
 * already started go on. Deploying it again restores it. Returns false when it was already archived.
 */
export async function archiveWorkflow(db: Db, name: string): Promise<{ archived: boolean }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('workflows').select('archived_at').where('name', '=', name).forUpdate().executeTakeFirst()
    if (!row) throw new NotFoundError('workflow', name)
    if (row.archived_at !== null) return { archived: false }
    await trx.updateTable('workflows').set({ archived_at: sql`now()`, updated_at: sql`now()` }).where('name', '=', name).execute()
    await trx.deleteFrom('schedules').where('workflow', '=', name).execute()
    await trx.deleteFrom('workflow_sources').where('workflow', '=', name).execute()
    return { archived: true }
  })
}

/** A deployed workflow's current version and whether it is archived. */
export interface WorkflowState {
  readonly hash: string
  readonly archived: boolean
}

/** Current version and archived flag of each named workflow (names never deployed are absent). */
export async function workflowStates(db: Db, names: readonly string[]): Promise<Map<string, WorkflowState>> {
  if (names.length === 0) return new Map()
  const rows = await db.selectFrom('workflows').select(['name', 'current_hash', 'archived_at']).where('name', '=', sql<string>`ANY(${[...names]})`).execute()
  return new Map(rows.map((r) => [r.name, { hash: r.current_hash, archived: r.archived_at !== null }]))
}

/**
 * The current version of a workflow that may start runs: a NotFoundError for a name never
 * deployed, a BatonError `WORKFLOW_ARCHIVED` for an archived one (both one line for the user).
 */
export async function activeVersion(db: Db, name: string): Promise<CompiledWorkflow> {
  const state = (await workflowStates(db, [name])).get(name)
  if (!state) throw new NotFoundError('workflow', name)
  if (state.archived) throw new BatonError('WORKFLOW_ARCHIVED', archivedReason(name))
  return (await loadVersion(db, state.hash))!
}

/** Why a request for an archived workflow is refused, in the words every path uses. */
export function archivedReason(name: string): string {
  return `workflow '${name}' is archived (baton undeploy); deploy it again to run it`
}

/** Current version hash of each named, active workflow (unknown and archived names are absent). */
export async function currentVersions(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map()
  const rows = await db
    .selectFrom('workflows')
    .select(['name', 'current_hash'])
    .where('name', '=', sql<string>`ANY(${[...names]})`)
    .where('archived_at', 'is', null)
    .execute()
  return new Map(rows.map((r) => [r.name, r.current_hash]))
}

/** Loads and compiles a stored version. */
export async function loadVersion(db: Db, hash: string): Promise<CompiledWorkflow | undefined> {
  const row = await db.selectFrom('workflow_versions').select('definition').where('hash', '=', hash).executeTakeFirst()
  return row ? compileWorkflow(row.definition) : undefined
}

/** A deployed workflow with its current definition. */
export interface DeployedWorkflow {
  readonly name: string
  readonly hash: string
  readonly definition: unknown
  readonly updatedAt: Date
  readonly archivedAt: Date | null
}

/** Every deployed workflow with its current definition, by name; archived ones only when asked. */
export async function listWorkflows(db: Db, options: { includeArchived?: boolean } = {}): Promise<DeployedWorkflow[]> {
  let q = db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .select(['w.name', 'w.current_hash', 'v.definition', 'w.updated_at', 'w.archived_at'])
    .orderBy('w.name')
  if (!options.includeArchived) q = q.where('w.archived_at', 'is', null)
  const rows = await q.execute()
  return rows.map((r) => ({ name: r.name, hash: r.current_hash, definition: r.definition, updatedAt: r.updated_at, archivedAt: r.archived_at }))
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

/** The active workflows that wait for (`waits`) or produce (`produces`) a source. */
export async function sourceUsers(db: Db, source: string): Promise<{ workflow: string; role: 'waits' | 'produces' }[]> {
  const rows = await db.selectFrom('workflow_sources').select(['workflow', 'role']).where('source', '=', source).orderBy('workflow').execute()
  return rows.map((r) => ({ workflow: r.workflow, role: r.role as 'waits' | 'produces' }))
}

/** The current definitions of the named workflows, by name (unknown names are absent). */
export async function currentDefinitions(db: Db, names: readonly string[]): Promise<Map<string, unknown>> {
  if (names.length === 0) return new Map()
  const rows = await db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .select(['w.name', 'v.definition'])
    .where('w.name', '=', sql<string>`ANY(${[...names]})`)
    .execute()
  return new Map(rows.map((r) => [r.name, r.definition]))
}
