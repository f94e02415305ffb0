import { sql, type Selectable } from 'kysely'
import type { Db, QueueWatchTable } from '@baton/shared'

/** A queue with queued tasks: how many, since when, and of which workflows. */
export interface WaitingQueue {
  queue: string
  n: number
  oldest: Date
  workflows: string[]
}

/** Queues that have `queued` tasks, with their count, oldest queued time and workflows. */
export async function waitingQueues(db: Db): Promise<WaitingQueue[]> {
  const waiting = await sql<WaitingQueue>`
    SELECT t.queue, count(*)::int AS n, min(t.queued_at) AS oldest, array_agg(DISTINCT r.workflow) AS workflows
    FROM task_states t JOIN runs r ON r.id = t.run_id
    WHERE t.status = 'queued' GROUP BY t.queue`.execute(db)
  return waiting.rows
}

/** A watched queue as stored: since when it has gone unattended, and whether that was alerted. */
export type QueueWatchRow = Selectable<QueueWatchTable>

/**
 * Starts watching a queue seen unattended now (a queue already watched keeps its first time)
 * and returns its row, locked until the caller's commit: coordinators watching at once then
 * raise the queue's alert once, the second seeing `alerted` set by the first.
 */
export async function lockUnattendedQueue(db: Db, queue: string, now: Date): Promise<QueueWatchRow> {
  await db.insertInto('queue_watch').values({ queue, unattended_at: now }).onConflict((oc) => oc.column('queue').doNothing()).execute()
  return db.selectFrom('queue_watch').selectAll().where('queue', '=', queue).forUpdate().executeTakeFirstOrThrow()
}

/** Records that a watched queue's alert was raised (call with the row locked). */
export async function markQueueAlerted(db: Db, queue: string): Promise<void> {
  await db.updateTable('queue_watch').set({ alerted: true }).where('queue', '=', queue).execute()
}

/** Every watched queue. */
export async function watchedQueues(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('queue_watch').select('queue').execute()
  return rows.map((r) => r.queue)
}

/** Stops watching a queue (attended again, or nothing waiting); a queue not watched is fine. */
export async function forgetQueue(db: Db, queue: string): Promise<void> {
  await db.deleteFrom('queue_watch').where('queue', '=', queue).execute()
}
