/**
 * Times are shown in the viewer's timezone; hovering shows the workflow's timezone (when it has
 * one) and UTC. Durations are short and exact enough for an incident (`1.2 s`, `3 m 05 s`).
 */

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone

// Building an Intl.DateTimeFormat costs about a millisecond: one per zone and style, reused.
const formatters = new Map<string, Intl.DateTimeFormat>()

function format(date: Date, timeZone: string, withZone = false): string {
  const key = `${timeZone}\u0000${withZone}`
  let f = formatters.get(key)
  if (!f) {
    f = makeFormatter(timeZone, withZone)
    formatters.set(key, f)
  }
  return f.format(date)
}

function makeFormatter(timeZone: string, withZone: boolean): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    ...(withZone ? { timeZoneName: 'short' } : {}),
  })
}

/** A time as text in the viewer's zone (`02/06/2026, 06:00:00`). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return format(new Date(iso), viewerZone)
}

/** A `<time>`: the viewer's zone, with the workflow's zone and UTC on hover. */
export function Time({ value, zone }: { value: string | null | undefined; zone?: string | null }) {
  if (!value) return <span className="muted">—</span>
  const d = new Date(value)
  const hover = [zone && zone !== viewerZone ? `${format(d, zone, true)} (${zone})` : null, `${format(d, 'UTC', true)}`].filter(Boolean).join('\n')
  return (
    <time dateTime={value} title={hover}>
      {format(d, viewerZone)}
    </time>
  )
}

/** A duration in ms as `850 ms`, `1.2 s`, `3 m 05 s`, `2 h 07 m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`
}

/** How long ago, in words (`5 m ago`). */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—'
  const ms = now - new Date(iso).getTime()
  return ms < 0 ? `in ${formatDuration(-ms)}` : `${formatDuration(ms)} ago`
}

/** The viewer's timezone name. */
export function viewerTimeZone(): string {
  return viewerZone
}
