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
