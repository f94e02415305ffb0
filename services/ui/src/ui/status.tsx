/**
 * Status colours: the Okabe–Ito palette (told apart with the common colour-vision deficiencies),
 * and never colour alone: every mark carries an icon and a word (as text, a title or aria-label).
 * The colours themselves are CSS variables (`--st-<status>`) with light and dark values.
 */

/** Every run and task status the API reports, with its icon and the words shown for it. */
export const STATUS = {
  pending: { icon: '○', label: 'pending', hint: 'waiting for its upstream tasks' },
  queued: { icon: '◔', label: 'queued', hint: 'waiting for a worker' },
  running: { icon: '▶', label: 'running', hint: 'a worker is running it' },
  retrying: { icon: '↻', label: 'retrying', hint: 'failed, waiting out its retry backoff' },
  succeeded: { icon: '✓', label: 'succeeded', hint: 'done' },
  failed: { icon: '✕', label: 'failed', hint: 'failed (retries exhausted)' },
  upstream_failed: { icon: '⤓', label: 'upstream failed', hint: 'not run: an upstream task failed' },
  skipped: { icon: '↷', label: 'skipped', hint: 'not run: its trigger rule was not met' },
  cancelled: { icon: '■', label: 'cancelled', hint: 'stopped by an operator or a timeout' },
} as const

/** A status word the UI knows how to draw. */
export type StatusName = keyof typeof STATUS

function known(status: string): StatusName | undefined {
  return Object.hasOwn(STATUS, status) ? (status as StatusName) : undefined
}

/** The icon of a status ('?' for a word the UI does not know yet). */
export function statusIcon(status: string): string {
  const s = known(status)
  return s ? STATUS[s].icon : '?'
}

/** The words for a status. */
export function statusLabel(status: string): string {
  const s = known(status)
  return s ? STATUS[s].label : status
}

/** The CSS class that colours an element by status (`st st-failed`). */
export function statusClass(status: string): string {
  return `st st-${known(status) ?? 'unknown'}`
}

/** A status as a badge: coloured, with its icon and word. */
export function StatusBadge({ status, title }: { status: string; title?: string }) {
  const s = known(status)
  return (
    <span className={`badge ${statusClass(status)}`} title={title ?? (s ? STATUS[s].hint : status)} data-status={status}>
      <span aria-hidden="true">{statusIcon(status)}</span> {statusLabel(status)}
    </span>
  )
}

/** A status as a small square mark with its icon (grids, run history); the word is its label. */
export function StatusMark({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`mark ${statusClass(status)}`} role="img" aria-label={title ?? statusLabel(status)} title={title ?? statusLabel(status)} data-status={status}>
      {statusIcon(status)}
    </span>
  )
}

/** The legend of every status: colour, icon and word side by side. */
export function StatusLegend({ statuses = Object.keys(STATUS) as StatusName[] }: { statuses?: readonly StatusName[] }) {
  return (
    <ul className="legend" aria-label="Status legend">
      {statuses.map((s) => (
        <li key={s}>
          <StatusMark status={s} /> {STATUS[s].label}
        </li>
      ))}
    </ul>
  )
}
