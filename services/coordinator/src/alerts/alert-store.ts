import type { Db } from '@baton/shared'
import { expireAlert, foldAlertRepeat, insertAlert, lockFiringAlert } from '../db/alerts.js'
import { queueTriggerDeliveries } from '../db/alert-deliveries.js'
import { channelsFor, type AlertRoutes } from './alert-routes.js'

/** Kinds of alert: each names a condition that needs someone to act. */
export type AlertKind = 'task_failed' | 'check_failed' | 'run_failed' | 'readiness_missed' | 'sla_missed' | 'queue_unattended' | 'approval_waiting'

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
    const existing = await lockFiringAlert(db, c.causeKey)
    if (existing && now.getTime() - new Date(existing.last_at).getTime() <= repeatWindowMs) {
      const sameRun = existing.run_id !== null && existing.run_id === c.runId
      const details = { ...(existing.details as Record<string, unknown>), ...(sameRun ? { also: [...(((existing.details as { also?: string[] }).also) ?? []), c.summary].slice(-20) } : {}) }
      await foldAlertRepeat(db, existing.id, { count: sameRun ? existing.count : existing.count + 1, lastAt: now, details, runId: c.runId })
      continue
    }
    if (existing) await expireAlert(db, existing.id)
    const alertId = await insertAlert(
      db,
      { kind: c.kind, causeKey: c.causeKey, workflow: c.workflow, partition: c.partition, runId: c.runId, owner: c.owner, details: { summary: c.summary, ...c.details } },
      now,
    )
    const channels = channelsFor(routes, c.owner)
    if (channels.length > 0) {
      await queueTriggerDeliveries(db, alertId, channels)
      sent += channels.length
    }
  }
  return sent
}
