import { sql, type RawBuilder } from 'kysely'
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
