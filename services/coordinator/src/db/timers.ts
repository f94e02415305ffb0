import { sql, type RawBuilder } from 'kysely'
import { PREPARE, type Db } from '@baton/shared'
import { TimerKind } from '../lifecycle/types.js'

/** Timers that decide an event did NOT arrive: fired only once the events before them are applied. */
const ABSENCE_TIMERS: TimerKind[] = [TimerKind.heartbeat, TimerKind.execution, TimerKind.scheduleToStart]

/** A timer of one run. */
export interface RunTimer {
  runId: string
  kind: TimerKind
  taskId: string
  attempt: number
  /** `fanout_continue` only: where the next chunk of downstream tasks starts. */
  nextIndex?: number
}

/** The statement creating timers or moving existing ones (a heartbeat pushes its timeout forward). */
export function upsertTimersStatement(timers: readonly (RunTimer & { fireAt: Date })[]): RawBuilder<unknown> | undefined {
  if (timers.length === 0) return undefined
  const rows = timers.map((t) => ({ kind: t.kind, run_id: t.runId, task_id: t.taskId, attempt: t.attempt, fire_at: t.fireAt.toISOString(), next_index: t.nextIndex ?? 0 }))
  return sql`
    INSERT INTO timers (kind, run_id, task_id, attempt, fire_at, next_index)
    SELECT kind, run_id, task_id, attempt, fire_at, next_index
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(kind text, run_id uuid, task_id text, attempt int, fire_at timestamptz, next_index int)
    ON CONFLICT (kind, run_id, task_id, attempt) DO UPDATE SET fire_at = excluded.fire_at, next_index = excluded.next_index`
}

/** The statement deleting timers by key (missing ones are fine). */
export function deleteTimersStatement(timers: readonly RunTimer[]): RawBuilder<unknown> | undefined {
  if (timers.length === 0) return undefined
  return sql`
    DELETE FROM timers t USING unnest(${timers.map((t) => t.kind)}::text[], ${timers.map((t) => t.runId)}::uuid[],
      ${timers.map((t) => t.taskId)}::text[], ${timers.map((t) => t.attempt)}::int[]) AS v(kind, run_id, task_id, attempt)
    WHERE t.kind = v.kind AND t.run_id = v.run_id AND t.task_id = v.task_id AND t.attempt = v.attempt`
}

/**
 * Due timers (unlocked peek; claiming happens under the run lock with `claimTimers`). With
 * `eventsAppliedUpTo`, absence timers due after it wait: the event they would judge missing may
 * still be in the stream.
 */
export async function dueTimers(db: Db, now: Date, limit: number, eventsAppliedUpTo?: Date): Promise<(RunTimer & { id: number })[]> {
  const evidence = eventsAppliedUpTo && eventsAppliedUpTo < now ? eventsAppliedUpTo : undefined
  const rows = await db
    .selectFrom('timers')
    .select(['id', 'run_id', 'kind', 'task_id', 'attempt', 'next_index'])
    .where('fire_at', '<=', now)
    .$if(evidence !== undefined, (q) => q.where((eb) => eb.or([eb('kind', 'not in', ABSENCE_TIMERS), eb('fire_at', '<=', evidence!)])))
    .orderBy('fire_at')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ id: Number(r.id), runId: r.run_id, kind: r.kind as TimerKind, taskId: r.task_id, attempt: r.attempt, nextIndex: r.next_index }))
}

/**
 * Claims due timers by deleting them; called with their runs locked. Rows another coordinator
 * claimed (or a heartbeat moved into the future) are not returned, so each fires once.
 */
export async function claimTimers(db: Db, ids: readonly number[], now: Date): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const rows = await sql<{ id: number }>`${sql.raw(PREPARE)}
    DELETE FROM timers WHERE id IN (
      SELECT id FROM timers WHERE id = ANY(${[...ids]}::bigint[]) AND fire_at <= ${now} FOR UPDATE SKIP LOCKED
    ) RETURNING id
  `.execute(db)
  return new Set(rows.rows.map((r) => Number(r.id)))
}

/** Lag of the oldest due timer in ms (0 when none is due): a health signal. */
export async function timerLagMs(db: Db, now: Date): Promise<number> {
  const row = await db.selectFrom('timers').select(sql<Date>`min(fire_at)`.as('oldest')).where('fire_at', '<=', now).executeTakeFirst()
  return row?.oldest ? Math.max(0, now.getTime() - new Date(row.oldest).getTime()) : 0
}
