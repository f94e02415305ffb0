import { sql } from 'kysely'
import type { Db, PoolGauge } from '@baton/shared'

/**
 * Every pool's size, the slots held and the attempts waiting for it, and how long the oldest of
 * them has waited (by the database's clock; 0 when none waits): one query per metrics scrape.
 * A waiting attempt is `queued` and starts nothing, so the schedule-to-start histogram cannot see
 * a pool that never admits it; this age can.
 */
export async function poolUse(db: Db): Promise<PoolGauge[]> {
  const r = await sql<{ name: string; slots: number; used: number; waiting: number; oldest: number | null }>`
    SELECT p.name, p.slots,
      coalesce((SELECT sum(h.slots) FROM task_slot_holds h WHERE h.group_key = 'pool:' || p.name), 0)::int AS used,
      w.waiting, extract(epoch FROM clock_timestamp() - w.oldest)::float8 AS oldest
    FROM pools p
    CROSS JOIN LATERAL (SELECT count(*)::int AS waiting, min(enqueued_at) AS oldest FROM task_slot_waits WHERE group_key = 'pool:' || p.name) w
    ORDER BY p.name`.execute(db)
  return r.rows.map((row) => ({ pool: row.name, slots: row.slots, used: row.used, waiting: row.waiting, oldestWaitSeconds: Math.max(0, Number(row.oldest ?? 0)) }))
}
