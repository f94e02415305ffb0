import { sql } from 'kysely'
import type { Db } from '@baton/shared'

/**
 * The pause switch of workflows and the partitions it holds. Lock order, always: the
 * `workflows` row, then `readiness` rows — a landing batch takes the workflow row FOR SHARE before
 * it records a landing, an unpause takes it FOR UPDATE, so a partition completed while paused is
 * either seen as held by the unpause or sees the workflow unpaused.
 */

/** Locks the rows of these workflows FOR SHARE (name order) and returns the paused ones. */
export async function lockPausedWorkflows(db: Db, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const rows = await db
    .selectFrom('workflows')
    .select(['name', 'paused'])
    .where('name', '=', sql<string>`ANY(${[...names].sort()}::text[])`)
    .orderBy('name')
    .forShare()
    .execute()
  return new Set(rows.filter((r) => r.paused).map((r) => r.name))
}

/** Pauses a workflow; false when it was already paused (or does not exist). */
export async function pauseWorkflow(db: Db, name: string, by: string, reason: string | null, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('workflows')
    .set({ paused: true, paused_at: now, paused_by: by, pause_reason: reason, updated_at: sql`now()` })
    .where('name', '=', name)
    .where('paused', '=', false)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** Unpauses a workflow; false when it was not paused (or does not exist). */
export async function unpauseWorkflow(db: Db, name: string): Promise<boolean> {
  const r = await db
    .updateTable('workflows')
    .set({ paused: false, paused_at: null, paused_by: null, pause_reason: null, updated_at: sql`now()` })
    .where('name', '=', name)
    .where('paused', '=', true)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** Whether a workflow is deployed (archived ones too). */
export async function workflowExists(db: Db, name: string): Promise<boolean> {
  return (await db.selectFrom('workflows').select('name').where('name', '=', name).executeTakeFirst()) !== undefined
}

/** Marks a partition whose sources all landed while the workflow was paused. */
export async function markReadinessHeld(db: Db, workflow: string, partition: string): Promise<void> {
  await db.updateTable('readiness').set({ status: 'held', updated_at: new Date() }).where('workflow', '=', workflow).where('partition', '=', partition).where('run_id', 'is', null).execute()
}

/** The held partitions of a workflow, locked, in partition order. */
export async function heldPartitions(db: Db, workflow: string): Promise<string[]> {
  const rows = await db.selectFrom('readiness').select('partition').where('workflow', '=', workflow).where('status', '=', 'held').orderBy('partition').forUpdate().execute()
  return rows.map((r) => r.partition)
}

/** Marks held partitions that the catch-up policy does not run (they stay visible, with no run). */
export async function dropHeldPartitions(db: Db, workflow: string, partitions: readonly string[]): Promise<void> {
  if (partitions.length === 0) return
  await db
    .updateTable('readiness')
    .set({ status: 'dropped', updated_at: new Date() })
    .where('workflow', '=', workflow)
    .where('partition', '=', sql<string>`ANY(${[...partitions]}::text[])`)
    .where('status', '=', 'held')
    .execute()
}
