import { sql } from 'kysely'
import type { Db } from '@baton/shared'
import type { StoredAlert } from '../alerts/alert-payloads.js'

/** Queues an alert's `trigger` delivery to each channel; one already queued is kept (never sent twice). */
export async function queueTriggerDeliveries(db: Db, alertId: number, channels: readonly string[]): Promise<void> {
  if (channels.length === 0) return
  await db.insertInto('alert_deliveries').values(channels.map((channel) => ({ alert_id: alertId, channel, action: 'trigger' }))).onConflict((oc) => oc.doNothing()).execute()
}

/**
 * A claimed delivery with the alert it carries (the alert's columns, its `id` the alert's).
 * `leased_until` is this claim's lease: the guard of the statement that records the result.
 */
export type DueDelivery = StoredAlert & { delivery_id: number; channel: string; action: string; attempts: number; leased_until: Date }

/**
 * Claims undelivered deliveries whose next try is due and that no job holds (never leased, or
 * the lease ran out), longest waiting first, by writing `leased_until`; returns them with their
 * alerts. One statement, so the claim commits at once: the sends happen outside any
 * transaction, and the job holding a lease is the only one that may send or record the delivery
 * until `leased_until`. `FOR UPDATE OF d SKIP LOCKED` lets concurrent claims pass each other
 * (only delivery rows are locked, for the instant of the statement; an alert being folded or
 * resolved is not blocked). Leases use the database clock, so coordinators' clock skew cannot
 * shorten one; truncated to milliseconds, a lease reads back into a JS Date exactly, and one
 * taken after an earlier one expired is strictly later: the value tells two claims apart.
 */
export async function claimDueDeliveries(db: Db, now: Date, limit: number, leaseMs: number): Promise<DueDelivery[]> {
  const due = await sql<DueDelivery>`
    UPDATE alert_deliveries d SET leased_until = date_trunc('milliseconds', now()) + make_interval(secs => ${leaseMs / 1000})
    FROM (
      SELECT id FROM alert_deliveries
      WHERE delivered_at IS NULL AND next_attempt_at <= ${now} AND (leased_until IS NULL OR leased_until <= now())
      ORDER BY next_attempt_at, id LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due, alerts a
    WHERE d.id = due.id AND a.id = d.alert_id
    RETURNING d.id AS delivery_id, d.channel, d.action, d.attempts, d.leased_until, a.*`.execute(db)
  return due.rows
}

/**
 * Records a delivery the receiver accepted (it is never sent again) and frees the lease — only
 * while the claim `leasedUntil` still holds it. False when the lease was lost (it expired and
 * another job claimed the delivery): that job's record stands.
 */
export async function markDelivered(db: Db, deliveryId: number, leasedUntil: Date, attempts: number, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('alert_deliveries')
    .set({ delivered_at: now, attempts, last_error: null, leased_until: null })
    .where('id', '=', deliveryId)
    .where('leased_until', '=', leasedUntil)
    .where('delivered_at', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows > 0n
}

/**
 * Records a failed try and when to try again (the error truncated to 500 characters) and frees
 * the lease, guarded like `markDelivered`. False when the lease was lost.
 */
export async function markDeliveryFailed(db: Db, deliveryId: number, leasedUntil: Date, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean> {
  const r = await db
    .updateTable('alert_deliveries')
    .set({ attempts, last_error: error.slice(0, 500), next_attempt_at: nextAttemptAt, leased_until: null })
    .where('id', '=', deliveryId)
    .where('leased_until', '=', leasedUntil)
    .where('delivered_at', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows > 0n
}
