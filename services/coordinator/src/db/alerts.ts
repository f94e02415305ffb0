import { sql, type RawBuilder, type Selectable } from 'kysely'
import type { AlertsTable, Db } from '@baton/shared'

/** An alert row as stored. */
export type AlertRow = Selectable<AlertsTable>

/**
 * The firing alert of a cause, locked until the caller's commit, or undefined. The lock
 * serialises two transactions raising the same cause, so a repeat folds into the row exactly
 * once; when no alert fires there is nothing to lock, and the unique index `alerts_firing_cause`
 * (one firing alert per cause) turns a concurrent second insert into an error.
 */
export async function lockFiringAlert(db: Db, causeKey: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('cause_key', '=', causeKey).where('status', '=', 'firing').forUpdate().executeTakeFirst()
}

/** A repeat folded into a firing alert: its new count, time and details, and its run if given. */
export interface AlertRepeat {
  count: number
  lastAt: Date
  details: Record<string, unknown>
  runId: string | null
}

/** Folds a repeat into a firing alert (call with the row locked by `lockFiringAlert`); `run_id` is kept when the repeat has none. */
export async function foldAlertRepeat(db: Db, id: number, repeat: AlertRepeat): Promise<void> {
  await db
    .updateTable('alerts')
    .set({ count: repeat.count, last_at: repeat.lastAt, details: JSON.stringify(repeat.details), ...(repeat.runId ? { run_id: repeat.runId } : {}) })
    .where('id', '=', id)
    .execute()
}

/** Ends a firing alert whose repeat window passed, so that the cause can fire anew (call with the row locked). */
export async function expireAlert(db: Db, id: number): Promise<void> {
  await db.updateTable('alerts').set({ status: 'expired' }).where('id', '=', id).execute()
}

/** A new firing alert of one cause. */
export interface NewAlert {
  kind: string
  causeKey: string
  workflow: string | null
  partition: string | null
  runId: string | null
  owner: string | null
  details: Record<string, unknown>
}

/** Inserts a firing alert (status, count and created time take their defaults); returns its id. */
export async function insertAlert(db: Db, a: NewAlert, now: Date): Promise<number> {
  const row = await db
    .insertInto('alerts')
    .values({
      kind: a.kind,
      cause_key: a.causeKey,
      workflow: a.workflow,
      partition: a.partition,
      run_id: a.runId,
      owner: a.owner,
      details: JSON.stringify(a.details),
      last_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(row.id)
}

/**
 * Resolves the firing alerts a condition selects and queues ONE resolve notification per channel
 * that got the trigger (PagerDuty resolves the same dedup_key) — a single statement, since it
 * runs for every run that succeeds. Returns how many alerts were resolved.
 */
async function resolveWhere(db: Db, where: RawBuilder<boolean>, now: Date): Promise<number> {
  const r = await sql<{ n: number }>`
    WITH resolved AS (
      UPDATE alerts SET status = 'resolved', resolved_at = ${now}
      WHERE status = 'firing' AND ${where}
      RETURNING id
    ), queued AS (
      INSERT INTO alert_deliveries (alert_id, channel, action)
      SELECT d.alert_id, d.channel, 'resolve' FROM alert_deliveries d JOIN resolved r ON r.id = d.alert_id
      WHERE d.action = 'trigger'
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM resolved)::int AS n`.execute(db)
  return r.rows[0]?.n ?? 0
}

/** A later success resolves what fired for a workflow's partition (or, unpartitioned, its run). */
export async function resolveAlerts(db: Db, workflow: string, partition: string | null, runId: string, now: Date): Promise<number> {
  const which = partition === null ? sql<boolean>`run_id = ${runId}::uuid` : sql<boolean>`partition = ${partition}::text`
  return resolveWhere(db, sql<boolean>`workflow = ${workflow} AND ${which}`, now)
}

/** A queue polled again (or empty) resolves its `queue_unattended` alerts, whatever their owner. */
export async function resolveQueueAlerts(db: Db, queue: string, now: Date): Promise<number> {
  return resolveWhere(db, sql<boolean>`kind = 'queue_unattended' AND details->>'queue' = ${queue}`, now)
}

/** Resolves the firing alerts of these causes (an approval decided, timed out or cancelled). */
export async function resolveAlertsByCause(db: Db, causeKeys: readonly string[], now: Date): Promise<number> {
  if (causeKeys.length === 0) return 0
  return resolveWhere(db, sql<boolean>`cause_key = ANY(${[...causeKeys]}::text[])`, now)
}
