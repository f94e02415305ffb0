import type { Schemas } from '../../api/client'
import type { Look } from './look'

/**
 * The alerts page's filters (in the URL) and how alert and delivery statuses read. Status and
 * workflow go to the API; kind is filtered here (GET /alerts has no kind parameter), from the
 * kinds present in the answer.
 */

/** One alert of GET /alerts, with its deliveries. */
export type Alert = Schemas['Alert']
/** One delivery of an alert to a channel. */
export type AlertDelivery = Alert['deliveries'][number]

/** What the alerts page shows. */
export interface AlertFilter {
  status: 'firing' | 'resolved' | 'expired' | ''
  workflow: string
  kind: string
  /** The alert whose deliveries and details are unfolded. */
  open: string
}

const STATUSES = ['firing', 'resolved', 'expired'] as const

/** The filter a query string holds. */
export function readAlertFilter(params: URLSearchParams): AlertFilter {
  const status = params.get('status') ?? ''
  return {
    status: (STATUSES as readonly string[]).includes(status) ? (status as AlertFilter['status']) : '',
    workflow: params.get('workflow') ?? '',
    kind: params.get('kind') ?? '',
    open: params.get('open') ?? '',
  }
}

/** The GET /alerts query for a filter (the API's maximum page, since kind is filtered here). */
export function alertQuery(f: AlertFilter): { status?: Exclude<AlertFilter['status'], ''>; workflow?: string; limit: number } {
  return { ...(f.status ? { status: f.status } : {}), ...(f.workflow ? { workflow: f.workflow } : {}), limit: 500 }
}

/** The alerts of one kind ('' keeps all). */
export function alertsOfKind(items: readonly Alert[], kind: string): Alert[] {
  return kind ? items.filter((a) => a.kind === kind) : [...items]
}

/** The kinds present, sorted, for the kind filter. */
export function kindsOf(items: readonly Alert[]): string[] {
  return [...new Set(items.map((a) => a.kind))].sort()
}

/** How alert statuses are drawn. */
export const ALERT_STATUS: Record<string, Look> = {
  firing: { icon: '⚠', label: 'open', hint: 'firing: its cause has not been resolved', colour: 'failed' },
  resolved: { icon: '✓', label: 'resolved', hint: 'resolved by a later success', colour: 'succeeded' },
  expired: { icon: '◷', label: 'expired', hint: 'its folding window passed; a repeat fires a new alert', colour: 'cancelled' },
}

/** How delivery statuses are drawn. */
export const DELIVERY_STATUS: Record<AlertDelivery['status'], Look> = {
  delivered: { icon: '✓', label: 'delivered', hint: 'the channel accepted it', colour: 'succeeded' },
  retrying: { icon: '↻', label: 'retrying', hint: 'the channel refused it; tried again with backoff', colour: 'retrying' },
  pending: { icon: '○', label: 'pending', hint: 'not tried yet', colour: 'pending' },
}

/** The look of an alert status, for a status the UI does not know too. */
export function alertStatusLook(status: string): Look {
  return ALERT_STATUS[status] ?? { icon: '?', label: status, hint: status, colour: 'unknown' }
}

/** Deliveries in a few words: `2 delivered, 1 retrying` or `not sent to any channel`. */
export function deliveryTally(deliveries: readonly AlertDelivery[]): string {
  if (!deliveries.length) return 'not sent to any channel'
  const counts = new Map<string, number>()
  for (const d of deliveries) counts.set(d.status, (counts.get(d.status) ?? 0) + 1)
  return (['delivered', 'retrying', 'pending'] as const)
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ')
}

/** A run id short enough for a table cell: its last 8 characters (the first ones are a timestamp, alike for runs created together). */
export function shortRunId(id: string): string {
  return id.length > 10 ? `…${id.slice(-8)}` : id
}
