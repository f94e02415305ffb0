import type { Db, Logger } from '@baton/shared'
import { claimDueDeliveries, markDelivered, markDeliveryFailed } from '../db/alert-deliveries.js'
import type { AlertRoutes } from './alert-routes.js'
import { renderDelivery, type AlertLinks } from './alert-payloads.js'

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
    const due = await claimDueDeliveries(trx, now, LIMIT)
    for (const row of due) {
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
        await markDelivered(trx, row.delivery_id, row.attempts + 1, now)
      } else {
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts)
        if (row.attempts === 0) log.warn({ channel: row.channel, alert: row.id, error }, 'alert delivery failed; retrying with backoff')
        await markDeliveryFailed(trx, row.delivery_id, row.attempts + 1, error, new Date(now.getTime() + delay))
      }
    }
    return due.length === LIMIT
  })
}
