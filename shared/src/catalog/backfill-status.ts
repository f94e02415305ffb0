import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

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

/** The status of a backfill, or undefined when there is none with this id. */
export async function getBackfillStatus(db: Db, id: string): Promise<BackfillStatus | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined
  const b = await db.selectFrom('backfills').selectAll().where('id', '=', id).executeTakeFirst()
  if (!b) return undefined
  const counts = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM runs WHERE backfill_id = ${id} GROUP BY status`.execute(db)
  const runs = { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
  for (const c of counts.rows) {
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
