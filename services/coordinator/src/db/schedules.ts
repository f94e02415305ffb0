import { sql, type Selectable } from 'kysely'
import type { Db, SchedulesTable } from '@baton/shared'

/** One workflow's schedule as stored: the cron, its catch-up policy and its next tick. */
export type ScheduleRow = Selectable<SchedulesTable>

/**
 * Locks due schedules (`next_fire_at <= now`), in workflow order, for the caller's transaction.
 * SKIP LOCKED: several coordinators fire schedules at once, each taking the rows no other holds,
 * so one tick is never fired by two; the row stays locked until the caller has created the
 * tick's runs and written the next tick (`advanceSchedule`) in the same transaction. Paused
 * workflows' schedules are not claimed.
 */
export async function claimDueSchedules(db: Db, now: Date, limit: number): Promise<ScheduleRow[]> {
  return (
    db
      .selectFrom('schedules')
      .selectAll()
      .where('next_fire_at', '<=', now)
      // A paused workflow's ticks stay due: unpausing lets `catchup` decide what they run.
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('workflows').select('name').whereRef('workflows.name', '=', 'schedules.workflow').where('workflows.paused', '=', true))))
      .orderBy('workflow')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute()
  )
}

/** Writes a schedule's next tick and the last tick that came due (call with the row claimed). */
export async function advanceSchedule(db: Db, workflow: string, nextFireAt: Date, lastFiredAt: Date | null): Promise<void> {
  await db.updateTable('schedules').set({ next_fire_at: nextFireAt, last_fired_at: lastFiredAt, updated_at: sql`now()` }).where('workflow', '=', workflow).execute()
}
