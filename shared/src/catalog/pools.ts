import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { NotFoundError, ValidationError, type ValidationIssue } from '../errors.js'
import { poolGroupKey } from '../definition/compile.js'
import type { WorkflowDefinition } from '../definition/schema.js'

/** A pool as `baton pools set` writes it. */
export interface PoolSpec {
  readonly name: string
  readonly slots: number
  /** Split a full pool between owners by weight instead of by priority alone. */
  readonly fairShare?: boolean
  /** Owner → weight under fair share (absent owners weigh 1). */
  readonly weights?: Readonly<Record<string, number>>
  readonly description?: string
}

/** A pool with what it holds and what waits for it now. */
export interface PoolView {
  readonly name: string
  readonly slots: number
  readonly fairShare: boolean
  readonly weights: Readonly<Record<string, number>>
  readonly description: string | null
  /** Slots held by attempts queued for a worker or running. */
  readonly used: number
  /** Attempts waiting for the pool. */
  readonly waiting: number
  readonly updatedBy: string
  readonly updatedAt: Date
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/

function specIssues(spec: PoolSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  if (!NAME.test(spec.name)) issues.push({ path: 'name', reason: 'must start with a letter and contain only letters, digits, _ and - (at most 100 chars)' })
  if (!Number.isInteger(spec.slots) || spec.slots < 1 || spec.slots > 10_000) issues.push({ path: 'slots', reason: `must be a whole number from 1 to 10000, got ${spec.slots}` })
  for (const [owner, w] of Object.entries(spec.weights ?? {})) {
    if (!(typeof w === 'number' && Number.isFinite(w) && w > 0 && w <= 1000)) issues.push({ path: `weights.${owner}`, reason: `must be a number above 0 and at most 1000, got ${String(w)}` })
  }
  return issues
}

/** Tasks of current (not archived) workflows that take more slots of `pool` than `slots` (0: every task naming it). */
async function deployedTasksOver(db: Db, pool: string, slots: number): Promise<string[]> {
  const rows = await db
    .selectFrom('workflows')
    .innerJoin('workflow_versions', 'workflow_versions.hash', 'workflows.current_hash')
    .select(['workflows.name', 'workflow_versions.definition'])
    .where('workflows.archived_at', 'is', null)
    .execute()
  const out: string[] = []
  for (const r of rows) {
    const def = r.definition as WorkflowDefinition
    for (const [id, t] of Object.entries(def.tasks)) if (t.pool === pool && (t.slots ?? 1) > slots) out.push(`${r.name}.${id} (${t.slots})`)
  }
  return out
}

/**
 * Creates or changes a pool. A new size takes effect at the next admission: shrinking never
 * takes slots back from running attempts, it only admits no more until the pool is below its new
 * size. Refused when a deployed task asks for more slots than the new size (it could never start).
 */
export async function setPool(db: Db, spec: PoolSpec, by: string): Promise<{ created: boolean }> {
  const issues = specIssues(spec)
  if (issues.length > 0) throw new ValidationError(issues)
  return db.transaction().execute(async (trx) => {
    // The same lock deploy's check takes: a deploy in flight sees either the old or the new size.
    const prev = await trx.selectFrom('pools').select('slots').where('name', '=', spec.name).forUpdate().executeTakeFirst()
    const tooBig = await deployedTasksOver(trx, spec.name, spec.slots)
    if (tooBig.length > 0) throw new ValidationError([{ path: 'slots', reason: `pool '${spec.name}' would have ${spec.slots} slots, but deployed tasks ask for more: ${tooBig.join(', ')}` }])
    const values = { slots: spec.slots, fair_share: spec.fairShare ?? false, weights: JSON.stringify(spec.weights ?? {}), description: spec.description ?? null, updated_by: by, updated_at: new Date() }
    await trx
      .insertInto('pools')
      .values({ name: spec.name, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute()
    return { created: prev === undefined }
  })
}

/** Deletes a pool; refused while a deployed task names it or an attempt holds or waits for it. */
export async function deletePool(db: Db, name: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('pools').select('name').where('name', '=', name).forUpdate().executeTakeFirst()
    if (!row) throw new NotFoundError('pool', name)
    const users = await deployedTasksOver(trx, name, 0)
    if (users.length > 0) throw new ValidationError([{ path: 'name', reason: `pool '${name}' is used by deployed tasks: ${users.join(', ')}` }])
    const key = poolGroupKey(name)
    const busy = await sql<{ n: number }>`SELECT (SELECT count(*) FROM task_slot_holds WHERE group_key = ${key}) + (SELECT count(*) FROM task_slot_waits WHERE group_key = ${key}) AS n`.execute(trx)
    if (Number(busy.rows[0]?.n ?? 0) > 0) throw new ValidationError([{ path: 'name', reason: `pool '${name}' still has attempts holding or waiting for its slots` }])
    await trx.deleteFrom('pools').where('name', '=', name).execute()
  })
}

/** Every pool with its use now, by name. */
export async function listPools(db: Db): Promise<PoolView[]> {
  const rows = await sql<{ name: string; slots: number; fair_share: boolean; weights: Record<string, number>; description: string | null; updated_by: string; updated_at: Date; used: number; waiting: number }>`
    SELECT p.*,
      coalesce((SELECT sum(h.slots) FROM task_slot_holds h WHERE h.group_key = 'pool:' || p.name), 0)::int AS used,
      (SELECT count(*) FROM task_slot_waits w WHERE w.group_key = 'pool:' || p.name)::int AS waiting
    FROM pools p ORDER BY p.name`.execute(db)
  return rows.rows.map((r) => ({ name: r.name, slots: r.slots, fairShare: r.fair_share, weights: r.weights, description: r.description, used: r.used, waiting: r.waiting, updatedBy: r.updated_by, updatedAt: r.updated_at }))
}

/**
 * Creates the pools a definition declares (`pools:`) that do not exist yet, as deploy of
 * `workflow` by `by`; a declared pool that exists must agree with the declaration (its slots, and
 * its fair share when declared), else the deploy is refused naming the pool, both sizes and who
 * set it. Pools stay one shared row each: a definition never resizes a pool another relies on.
 */
export async function declarePools(db: Db, def: WorkflowDefinition, by: string): Promise<void> {
  const declared = Object.entries(def.pools ?? {})
  if (declared.length === 0) return
  const issues: ValidationIssue[] = []
  for (const [name, spec] of declared.sort(([a], [b]) => (a < b ? -1 : 1))) {
    // The lock `baton pools set` takes: the row is read and, when missing, created once.
    const row = await db.selectFrom('pools').select(['slots', 'fair_share', 'updated_by']).where('name', '=', name).forUpdate().executeTakeFirst()
    if (!row) {
      await db
        .insertInto('pools')
        .values({ name, slots: spec.slots, fair_share: spec.fairShare ?? false, weights: JSON.stringify({}), description: spec.description ?? null, updated_by: `deploy of ${def.name} by ${by}`, updated_at: new Date() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      continue
    }
    if (row.slots !== spec.slots) {
      issues.push({ path: `pools.${name}.slots`, reason: `pool '${name}' has ${row.slots} slots (set by ${row.updated_by}); this definition declares ${spec.slots}: change the pool with baton pools set ${name} --slots ${spec.slots}, or declare ${row.slots}` })
    }
    if (spec.fairShare !== undefined && row.fair_share !== spec.fairShare) {
      issues.push({ path: `pools.${name}.fairShare`, reason: `pool '${name}' has fair share ${row.fair_share ? 'on' : 'off'} (set by ${row.updated_by}); this definition declares it ${spec.fairShare ? 'on' : 'off'}` })
    }
  }
  if (issues.length > 0) throw new ValidationError(issues)
}
