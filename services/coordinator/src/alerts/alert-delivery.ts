import { sql } from 'kysely'
import type { Db, Logger } from '@baton/shared'
import type { AlertRoutes } from './alert-routes.js'
import { renderDelivery, type AlertLinks, type StoredAlert } from './alert-payloads.js'

/** Longest wait between two tries of one delivery. */
const MAX_BACKOFF_MS = 5 * 60_000

/**
 * Sends due alert deliveries (SKIP LOCKED: coordinators share the work). A delivery is retried
 * with exponential backoff until the receiver accepts it (2xx), so an alert is never lost while
 * a receiver is down; once delivered it is never sent again. A crash between the receiver's
 * answer and the commit can repeat one send (at-least-once); PagerDuty's dedup_key absorbs it.
 */
export async function deliverAlerts(
  db: Db,
  routes: AlertRoutes,
  links: AlertLinks,
  log: Logger,
  now: Date = new Date(),
  lastLogLines?: (runId: string, taskId: string, attempt: number) => Promise<string[]>,
): Promise<boolean> {
  const LIMIT = 20
  return db.transaction().execute(async (trx) => {
    const due = await sql<StoredAlert & { delivery_id: number; channel: string; action: string; attempts: number }>`
      SELECT d.id AS delivery_id, d.channel, d.action, d.attempts, a.*
      FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
      WHERE d.delivered_at IS NULL AND d.next_attempt_at <= ${now}
      ORDER BY d.next_attempt_at LIMIT ${LIMIT}
      FOR UPDATE OF d SKIP LOCKED`.execute(trx)
    for (const row of due.rows) {
      const channel = routes.channels[row.channel]
      const d = (row.details ?? {}) as { task?: string; attempt?: number; lastLines?: string[] }
      if (lastLogLines && row.run_id && d.task && d.attempt && !d.lastLines?.length) {
        row.details = { ...d, lastLines: await lastLogLines(row.run_id, d.task, d.attempt) }
      }
      let error: string | undefined
      if (!channel) error = `channel '${row.channel}' is not configured`
      else {
        const req = renderDelivery(channel, row, row.action, links)
        try {
          const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: JSON.stringify(req.body), signal: AbortSignal.timeout(10_000) })
          if (!res.ok) error = `HTTP ${res.status}`
          await res.body?.cancel().catch(() => {})
        } catch (e) {
          error = (e as Error).message
        }
      }
      if (error === undefined) {
        await trx.updateTable('alert_deliveries').set({ delivered_at: now, attempts: row.attempts + 1, last_error: null }).where('id', '=', row.delivery_id).execute()
      } else {
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts)
        if (row.attempts === 0) log.warn({ channel: row.channel, alert: row.id, error }, 'alert delivery failed; retrying with backoff')
        await trx
          .updateTable('alert_deliveries')
          .set({ attempts: row.attempts + 1, last_error: error.slice(0, 500), next_attempt_at: new Date(now.getTime() + delay) })
          .where('id', '=', row.delivery_id)
          .execute()
      }
    }
    return due.rows.length === LIMIT
  })
}
