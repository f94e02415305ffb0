import { sql } from 'kysely'
import type { Db } from '@baton/shared'
import { channelsFor, type AlertRoutes } from './alert-routes.js'

/** Kinds of alert: each names a condition that needs someone to act. */
export type AlertKind = 'task_failed' | 'check_failed' | 'run_failed' | 'readiness_missed' | 'sla_missed' | 'queue_unattended'

/** A condition to alert on. `causeKey` groups: one alert per cause. */
export interface AlertCause {
  kind: AlertKind
  causeKey: string
  workflow: string | null
  partition: string | null
  runId: string | null
  owner: string | null
  summary: string
  details: Record<string, unknown>
}

/**
 * Records alerts in the caller's transaction, one per cause: a new cause gets a row and a
 * delivery per channel of its owner; a repeat of a firing cause within the window folds into it
 * (count + 1, no new delivery) — a repeat from the same run (its other failed tasks, then the
 * run failing) does not even count. A repeat after the window fires anew.
 */
export async function raiseAlerts(db: Db, causes: readonly AlertCause[], routes: AlertRoutes, repeatWindowMs: number, now: Date): Promise<number> {
  let sent = 0
  for (const c of causes) {
    const existing = await db.selectFrom('alerts').selectAll().where('cause_key', '=', c.causeKey).where('status', '=', 'firing').forUpdate().executeTakeFirst()
    if (existing && now.getTime() - new Date(existing.last_at).getTime() <= repeatWindowMs) {
      const sameRun = existing.run_id !== null && existing.run_id === c.runId
      const details = { ...(existing.details as Record<string, unknown>), ...(sameRun ? { also: [...(((existing.details as { also?: string[] }).also) ?? []), c.summary].slice(-20) } : {}) }
      await db
        .updateTable('alerts')
        .set({ count: sameRun ? existing.count : existing.count + 1, last_at: now, details: JSON.stringify(details), ...(c.runId ? { run_id: c.runId } : {}) })
        .where('id', '=', existing.id)
        .execute()
      continue
    }
    if (existing) await db.updateTable('alerts').set({ status: 'expired' }).where('id', '=', existing.id).execute()
    const row = await db
      .insertInto('alerts')
      .values({
        kind: c.kind,
        cause_key: c.causeKey,
        workflow: c.workflow,
        partition: c.partition,
        run_id: c.runId,
        owner: c.owner,
        details: JSON.stringify({ summary: c.summary, ...c.details }),
        last_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const channels = channelsFor(routes, c.owner)
    if (channels.length > 0) {
      await db.insertInto('alert_deliveries').values(channels.map((channel) => ({ alert_id: Number(row.id), channel, action: 'trigger' }))).onConflict((oc) => oc.doNothing()).execute()
      sent += channels.length
    }
  }
  return sent
}

/**
 * A later success resolves what fired for a workflow's partition (or run): each firing alert
 * turns `resolved` and its channels get ONE resolve notification (PagerDuty resolves the same
 * dedup_key). Returns how many alerts were resolved.
 */
export async function resolveAlerts(db: Db, workflow: string, partition: string | null, runId: string, now: Date): Promise<number> {
  // One statement (it runs for every run that succeeds): resolve, then queue the resolves.
  const r = await sql<{ n: number }>`
    WITH resolved AS (
      UPDATE alerts SET status = 'resolved', resolved_at = ${now}
      WHERE status = 'firing' AND workflow = ${workflow}
        AND (CASE WHEN ${partition}::text IS NULL THEN run_id = ${runId}::uuid ELSE partition = ${partition}::text END)
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

/** Resolves one cause (a queue polled again). */
export async function resolveCause(db: Db, causeKey: string, now: Date): Promise<void> {
  const rows = await db.updateTable('alerts').set({ status: 'resolved', resolved_at: now }).where('status', '=', 'firing').where('cause_key', '=', causeKey).returning('id').execute()
  if (rows.length === 0) return
  await sql`
    INSERT INTO alert_deliveries (alert_id, channel, action)
    SELECT alert_id, channel, 'resolve' FROM alert_deliveries
    WHERE alert_id = ANY(${rows.map((r) => Number(r.id))}::bigint[]) AND action = 'trigger'
    ON CONFLICT DO NOTHING`.execute(db)
}
