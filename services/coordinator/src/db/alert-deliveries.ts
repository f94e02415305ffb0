import { sql } from 'kysely'
import type { Db } from '@baton/shared'
import type { StoredAlert } from '../alerts/alert-payloads.js'

/** Queues an alert's `trigger` delivery to each channel; one already queued is kept (never sent twice). */
export async function queueTriggerDeliveries(db: Db, alertId: number, channels: readonly string[]): Promise<void> {
  if (channels.length === 0) return
  await db.insertInto('alert_deliveries').values(channels.map((channel) => ({ alert_id: alertId, channel, action: 'trigger' }))).onConflict((oc) => oc.doNothing()).execute()
}

/** A due delivery with the alert it carries (the alert's columns, its `id` the alert's). */
export type DueDelivery = StoredAlert & { delivery_id: number; channel: string; action: string; attempts: number }

/**
 * Locks undelivered deliveries whose next try is due, longest waiting first, with their alerts.
 * `FOR UPDATE OF d SKIP LOCKED`: only the delivery rows are locked (an alert being folded or
 * resolved meanwhile does not block the sender), and coordinators sharing the job each take
 * deliveries no other holds, so one is not sent twice at once.
 */
export async function claimDueDeliveries(db: Db, now: Date, limit: number): Promise<DueDelivery[]> {
  const due = await sql<DueDelivery>`
    SELECT d.id AS delivery_id, d.channel, d.action, d.attempts, a.*
    FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
    WHERE d.delivered_at IS NULL AND d.next_attempt_at <= ${now}
    ORDER BY d.next_attempt_at LIMIT ${limit}
    FOR UPDATE OF d SKIP LOCKED`.execute(db)
  return due.rows
}

/** Records a delivery the receiver accepted: it is never sent again. */
export async function markDelivered(db: Db, deliveryId: number, attempts: number, now: Date): Promise<void> {
  await db.updateTable('alert_deliveries').set({ delivered_at: now, attempts, last_error: null }).where('id', '=', deliveryId).execute()
}

/** Records a failed try and when to try again (the error truncated to 500 characters). */
export async function markDeliveryFailed(db: Db, deliveryId: number, attempts: number, error: string, nextAttemptAt: Date): Promise<void> {
  await db.updateTable('alert_deliveries').set({ attempts, last_error: error.slice(0, 500), next_attempt_at: nextAttemptAt }).where('id', '=', deliveryId).execute()
}
