import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

/**
 * Why each of a run's queued tasks has not been sent to a worker yet, by task id: for every slot
 * group it waits for, the group's use and its place in the line, e.g. "pool warehouse full 4/4,
 * 12 waiting, position 3". A group with free slots is being admitted ("pool warehouse 3/4,
 * admitting"). Tasks not waiting for slots are absent. `only` restricts it to those tasks: a run's
 * mapped tasks may have 100,000 instances waiting, each with its place in the line to count.
 */
export async function slotWaitReasons(db: Db, runId: string, only?: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql<{ task_id: string; group_key: string; slots: number; lim: number | null; pool_slots: number | null; used: number; waiting: number; position: number }>`
    SELECT w.task_id, w.group_key, w.slots, w.lim, p.slots AS pool_slots,
      coalesce((SELECT sum(h.slots) FROM task_slot_holds h WHERE h.group_key = w.group_key), 0)::int AS used,
      (SELECT count(*) FROM task_slot_waits o WHERE o.group_key = w.group_key)::int AS waiting,
      (SELECT count(*) FROM task_slot_waits o WHERE o.group_key = w.group_key
         AND (o.priority > w.priority OR (o.priority = w.priority AND (o.enqueued_at, o.run_id, o.task_id) < (w.enqueued_at, w.run_id, w.task_id))))::int + 1 AS position
    FROM task_slot_waits w
    LEFT JOIN pools p ON w.group_key = 'pool:' || p.name
    WHERE w.run_id = ${runId} AND (${only === undefined} OR w.task_id = ANY(${[...(only ?? [])]}::text[]))
    ORDER BY w.task_id, w.group_key`.execute(db)
  const out = new Map<string, string>()
  for (const r of rows.rows) {
    const limit = r.pool_slots ?? r.lim ?? 0
    const name = r.group_key.startsWith('pool:') ? `pool ${r.group_key.slice(5)}` : `concurrency of ${r.group_key.slice(5)}`
    const full = r.used + r.slots > limit
    const text = full ? `${name} full ${r.used}/${limit}, ${r.waiting} waiting, position ${r.position}` : `${name} ${r.used}/${limit}, admitting`
    out.set(r.task_id, out.has(r.task_id) ? `${out.get(r.task_id)}; ${text}` : text)
  }
  return out
}
