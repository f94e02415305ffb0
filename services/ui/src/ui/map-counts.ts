/**
 * A mapped task's instances as the run page draws them (no React): the id of an instance
 * (`load[3]`), its counts in reading order, and the segments of the small status bar on its node.
 */

/** Statuses in the order a mapped task's counts are read: what is done, then what is still to do. */
export const MAP_STATUS_ORDER = ['succeeded', 'failed', 'upstream_failed', 'cancelled', 'skipped', 'running', 'retrying', 'queued', 'pending'] as const

/** Instances by status, as the API answers them (statuses with none left out). */
export type MapCounts = Partial<Record<string, number>>

const INSTANCE = /^([A-Za-z][A-Za-z0-9_-]{0,99})\[(\d{1,7})\]$/

/** The mapped task and index an instance id (`load[3]`) names, or undefined for any other id. */
export function parseInstanceId(id: string | null): { taskId: string; index: number } | undefined {
  const m = id ? INSTANCE.exec(id) : null
  return m ? { taskId: m[1]!, index: Number(m[2]) } : undefined
}

/** The counts with instances, in reading order: `[['succeeded', 250], ['running', 30], …]`. */
export function orderedCounts(counts: MapCounts): [string, number][] {
  const known = MAP_STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s): [string, number] => [s, counts[s]!])
  const other = Object.entries(counts).filter((e): e is [string, number] => !(MAP_STATUS_ORDER as readonly string[]).includes(e[0]) && (e[1] ?? 0) > 0)
  return [...known, ...other]
}

/** The counts in words, for the eye and for screen readers alike: `250 succeeded · 30 running · 20 queued`. */
export function countsWords(counts: MapCounts): string {
  const parts = orderedCounts(counts).map(([s, n]) => `${n} ${s.replace('_', ' ')}`)
  return parts.length > 0 ? parts.join(' · ') : 'no instances yet'
}

/** One segment of a mapped task's status bar: its status and its share of the bar, in percent. */
export interface BarSegment {
  status: string
  percent: number
}

/**
 * The status bar of a mapped task: one segment per status, each at least 2% wide so a single
 * failure among 100,000 still shows; the shares are rescaled to add up to 100.
 */
export function barSegments(counts: MapCounts): BarSegment[] {
  const entries = orderedCounts(counts)
  const total = entries.reduce((s, [, n]) => s + n, 0)
  if (total === 0) return []
  const raw = entries.map(([status, n]) => ({ status, percent: Math.max(2, (n / total) * 100) }))
  const sum = raw.reduce((s, x) => s + x.percent, 0)
  return raw.map((x) => ({ status: x.status, percent: (x.percent / sum) * 100 }))
}

/** A mapped task's label on its graph node: `load [300]`, or `load [?]` before its list was read. */
export function mappedLabel(id: string, total: number | null): string {
  return `${id} [${total === null ? '?' : total.toLocaleString('en-US')}]`
}
