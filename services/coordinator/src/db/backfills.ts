import { sql } from 'kysely'
import type { Db } from '@baton/shared'

/** Status of each partition's latest run (an active run first), for the given partitions. */
export async function latestRunStatusByPartition(db: Db, workflow: string, partitions: readonly string[]): Promise<Map<string, string>> {
  if (partitions.length === 0) return new Map()
  const rows = await sql<{ partition: string; status: string }>`
    SELECT DISTINCT ON (partition) partition, status FROM runs
    WHERE workflow = ${workflow} AND partition = ANY(${[...partitions]}::text[])
    ORDER BY partition, (status IN ('queued', 'running')) DESC, created_at DESC`.execute(db)
  return new Map(rows.rows.map((r) => [r.partition, r.status]))
}

/** Ids of a backfill's runs that have not finished. */
export async function unfinishedBackfillRuns(db: Db, backfillId: string): Promise<string[]> {
  const rows = await db.selectFrom('runs').select('id').where('backfill_id', '=', backfillId).where('status', 'in', ['queued', 'running']).execute()
  return rows.map((r) => r.id)
}

/** Whether a backfill with this id was recorded (a backfill's id is its request's id). */
export async function backfillExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('backfills').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

/** A backfill to record: its range, concurrency, rerun policy and partition counts. */
export interface NewBackfill {
  id: string
  workflow: string
  from: string
  to: string
  concurrency: number
  rerun: string
  partitions: number
  skipped: number
}

/** Records a backfill (the caller has checked with `backfillExists` that it is new). */
export async function insertBackfill(db: Db, b: NewBackfill): Promise<void> {
  await db
    .insertInto('backfills')
    .values({ id: b.id, workflow: b.workflow, from_partition: b.from, to_partition: b.to, concurrency: b.concurrency, rerun: b.rerun, partitions: b.partitions, skipped: b.skipped })
    .execute()
}

/** Records why a backfill was cancelled. */
export async function setBackfillCancelReason(db: Db, id: string, reason: string): Promise<void> {
  await db.updateTable('backfills').set({ cancel_reason: reason }).where('id', '=', id).execute()
}
