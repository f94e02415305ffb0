import { sql, type Selectable } from 'kysely'
import type { Db } from '../db/connect.js'
import type { BackfillsTable } from '../db/types.js'

/** A backfill's progress, derived from its runs. */
export interface BackfillStatus {
  id: string
  workflow: string
  from: string
  to: string
  concurrency: number
  rerun: string
  /** Partitions in the range. */
  partitions: number
  /** Partitions not run because they were already done (or active). */
  skipped: number
  runs: { total: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number }
  /** `running` while any run is queued or running; then `succeeded`, `failed` or `cancelled`. */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled'
  cancelReason: string | null
  createdAt: string
}

type BackfillRow = Selectable<BackfillsTable>

/** The status of a backfill, or undefined when there is none with this id. */
export async function getBackfillStatus(db: Db, id: string): Promise<BackfillStatus | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
  const b = await db.selectFrom('backfills').selectAll().where('id', '=', id).executeTakeFirst()
  if (!b) return undefined
  const counts = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM runs WHERE backfill_id = ${id} GROUP BY status`.execute(db)
  return backfillStatus(b, counts.rows)
}

/** Which backfills `listBackfills` returns. */
export interface BackfillFilter {
  workflow?: string
  /** Only backfills of these workflows (an empty list matches none): a caller's scope. */
  workflows?: readonly string[]
  /** At most this many (default 100), newest first. */
  limit?: number
}

/** Backfills with their progress, newest first. */
export async function listBackfills(db: Db, filter: BackfillFilter = {}): Promise<BackfillStatus[]> {
  let q = db.selectFrom('backfills').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100)
  if (filter.workflow) q = q.where('workflow', '=', filter.workflow)
  if (filter.workflows) q = q.where('workflow', '=', sql<string>`ANY(${[...filter.workflows]}::text[])`)
  const rows = await q.execute()
  if (rows.length === 0) return []
  const counts = await sql<{ backfill_id: string; status: string; n: number }>`
    SELECT backfill_id, status, count(*)::int AS n FROM runs WHERE backfill_id = ANY(${rows.map((b) => b.id)}::uuid[]) GROUP BY backfill_id, status`.execute(db)
  return rows.map((b) => backfillStatus(b, counts.rows.filter((c) => c.backfill_id === b.id)))
}

/** A backfill's progress from its row and its runs counted by status. */
function backfillStatus(b: BackfillRow, counts: readonly { status: string; n: number }[]): BackfillStatus {
  const runs = { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
  for (const c of counts) {
    runs.total += c.n
    if (c.status in runs) runs[c.status as keyof typeof runs] += c.n
  }
  const active = runs.queued + runs.running > 0
  // A run cancelled on its own also leaves its partition undone: the backfill did not complete.
  const status = active ? 'running' : b.cancel_reason || runs.cancelled > 0 ? 'cancelled' : runs.failed > 0 ? 'failed' : 'succeeded'
  return {
    id: b.id,
    workflow: b.workflow,
    from: b.from_partition,
    to: b.to_partition,
    concurrency: b.concurrency,
    rerun: b.rerun,
    partitions: b.partitions,
    skipped: b.skipped,
    runs,
    status,
    cancelReason: b.cancel_reason,
    createdAt: new Date(b.created_at).toISOString(),
  }
}
