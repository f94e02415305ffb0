import type { Look } from './look'

/**
 * The audit page's filters and cursor, held in the URL. Times are in the URL as ISO instants (a
 * shared link means the same moment everywhere) and shown in the viewer's zone in the inputs.
 */

/** What the audit page shows; `before` is the cursor of the page (absent: the newest lines). */
export interface AuditFilter {
  actor: string
  action: string
  result: 'ok' | 'denied' | 'failed' | 'unauthenticated' | ''
  since: string
  until: string
  before: string
}

const RESULTS = ['ok', 'denied', 'failed', 'unauthenticated'] as const

/** The filter a query string holds. */
export function readAuditFilter(params: URLSearchParams): AuditFilter {
  const result = params.get('result') ?? ''
  return {
    actor: params.get('actor') ?? '',
    action: params.get('action') ?? '',
    result: (RESULTS as readonly string[]).includes(result) ? (result as AuditFilter['result']) : '',
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
    before: params.get('before') ?? '',
  }
}

/** The GET /audit query of a filter (actor and action match exactly, as the API does). */
export function auditQuery(f: AuditFilter, limit = 100) {
  return {
    limit,
    ...(f.actor.trim() ? { actor: f.actor.trim() } : {}),
    ...(f.action.trim() ? { action: f.action.trim() } : {}),
    ...(f.result ? { result: f.result } : {}),
    ...(f.since ? { since: f.since } : {}),
    ...(f.until ? { until: f.until } : {}),
    ...(f.before ? { before: f.before } : {}),
  }
}

/** A `datetime-local` input's value (viewer's zone) as an ISO instant; '' when empty or invalid. */
export function localInputToIso(value: string): string {
  if (!value) return ''
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString()
}

/** An ISO instant as a `datetime-local` value in the viewer's zone (to the minute); '' when empty or invalid. */
export function isoToLocalInput(iso: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** The actions the API records, offered as suggestions in the action filter. */
export const AUDIT_ACTIONS = [
  'audit.read',
  'backfill.cancel',
  'backfill.rerun',
  'backfill.start',
  'run.bulk',
  'run.cancel',
  'run.retry',
  'run.trigger',
  'source.landed',
  'task.approve',
  'task.clear',
  'task.mark',
  'task.reject',
  'token.create',
  'token.list',
  'token.revoke',
  'workflow.archive',
  'workflow.deploy',
  'workflow.pause',
  'workflow.restore',
  'workflow.unpause',
] as const

/** How each result is drawn. */
export const AUDIT_RESULT: Record<Exclude<AuditFilter['result'], ''>, Look> = {
  ok: { icon: '✓', label: 'ok', hint: 'allowed and done', colour: 'succeeded' },
  denied: { icon: '⊘', label: 'denied', hint: 'refused: the role does not allow it', colour: 'upstream_failed' },
  failed: { icon: '✕', label: 'failed', hint: 'allowed, but the action failed', colour: 'failed' },
  unauthenticated: { icon: '?', label: 'unauthenticated', hint: 'no valid credential', colour: 'retrying' },
}
