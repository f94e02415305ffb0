import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

/** One delivery of an alert to a channel: sent, still being retried, or not yet tried. */
export interface AlertDeliveryView {
  channel: string
  /** `trigger` (the alert) or `resolve` (its all-clear). */
  action: string
  /** `delivered`, `retrying` (the receiver refused; tried again with backoff) or `pending`. */
  status: 'delivered' | 'retrying' | 'pending'
  attempts: number
  deliveredAt: string | null
  nextAttemptAt: string | null
  lastError: string | null
}

/** One alert as `baton alerts` and the API show it: its cause, owner, deliveries and resolution. */
export interface AlertView {
  id: number
  kind: string
  /** `firing`, `resolved` (a later success), or `expired` (folded window passed; a repeat fired anew). */
  status: string
  workflow: string | null
  partition: string | null
  runId: string | null
  owner: string | null
  summary: string
  /** Times the cause repeated into this alert. */
  count: number
  createdAt: string
  lastAt: string
  resolvedAt: string | null
  details: Record<string, unknown>
  deliveries: AlertDeliveryView[]
}

/** Which alerts `listAlerts` returns. */
export interface AlertFilter {
  /** Only firing ones. */
  open?: boolean
  /** Only alerts in this status (`firing`, `resolved`, `expired`). */
  status?: string
  workflow?: string
  /** Only alerts about these workflows (an empty list matches none; alerts about no workflow are left out): a caller's scope. */
  workflows?: readonly string[]
  /** Raised or repeated at or after. */
  since?: Date
  limit?: number
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString())

/** Alerts, newest first, each with its deliveries per channel. */
export async function listAlerts(db: Db, filter: AlertFilter = {}): Promise<AlertView[]> {
  let q = db.selectFrom('alerts').selectAll().orderBy('last_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100)
  if (filter.open) q = q.where('status', '=', 'firing')
  if (filter.status) q = q.where('status', '=', filter.status)
  if (filter.workflow) q = q.where('workflow', '=', filter.workflow)
  if (filter.workflows) q = q.where('workflow', '=', sql<string>`ANY(${[...filter.workflows]}::text[])`)
  if (filter.since) q = q.where('last_at', '>=', filter.since)
  const alerts = await q.execute()
  const ids = alerts.map((a) => Number(a.id))
  const deliveries = ids.length ? await db.selectFrom('alert_deliveries').selectAll().where('alert_id', 'in', ids).orderBy('id').execute() : []
  return alerts.map((a) => {
    const details = (a.details ?? {}) as Record<string, unknown>
    const { summary, ...rest } = details as { summary?: string }
    return {
      id: Number(a.id),
      kind: a.kind,
      status: a.status,
      workflow: a.workflow,
      partition: a.partition,
      runId: a.run_id,
      owner: a.owner,
      summary: summary ?? a.kind,
      count: a.count,
      createdAt: iso(a.created_at)!,
      lastAt: iso(a.last_at)!,
      resolvedAt: iso(a.resolved_at),
      details: rest,
      deliveries: deliveries
        .filter((d) => Number(d.alert_id) === Number(a.id))
        .map((d) => ({
          channel: d.channel,
          action: d.action,
          status: d.delivered_at ? 'delivered' : d.attempts > 0 ? 'retrying' : 'pending',
          attempts: d.attempts,
          deliveredAt: iso(d.delivered_at),
          nextAttemptAt: d.delivered_at ? null : iso(d.next_attempt_at),
          lastError: d.last_error,
        })),
    }
  })
}
