import type { MapInstanceCounts, TaskMap } from '@baton/shared'

// A mapped task as `baton run` shows it on its row: how many instances, and where they stand.

/** Statuses in the order a mapped task's counts are read: what is done, then what is still to do. */
const ORDER = ['succeeded', 'failed', 'upstream_failed', 'cancelled', 'skipped', 'running', 'retrying', 'queued', 'pending'] as const

/** Instance counts as words, most telling first: `250 succeeded, 30 running, 20 queued`. */
export function countsText(counts: MapInstanceCounts): string {
  const parts = ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`)
  return parts.length > 0 ? parts.join(', ') : 'no instances yet'
}

/** A mapped task's note on its row of `baton run`: `map 300: 250 succeeded, 30 running, 20 queued`. */
export function mapNote(map: TaskMap): string {
  if (map.total === null) return `map over ${map.from}${map.key ? `.${map.key}` : ''}: list not read yet`
  if (map.total === 0) return `map 0: the list was empty`
  return `map ${map.total}: ${countsText(map.counts)}`
}
