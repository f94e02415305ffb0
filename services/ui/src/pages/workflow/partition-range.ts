/**
 * Backfill preview, computed here because POST /backfills has no dry run: the partitions a
 * `from`..`to` range spans, with the same labels as the API (`YYYY-MM-DD`, `YYYY-MM-DDTHH`,
 * calendar labels in no time zone). Key partitions have no order, so no range.
 */

/** A workflow's partition kind. */
export type PartitionKind = 'date' | 'hour' | 'key'

/** What a range spans: how many partitions, and the first and last few to show. */
export interface RangePreview {
  count: number
  head: string[]
  tail: string[]
}

const DAY_MS = 86_400_000
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/

/** A date/hour label as a number of days/hours since 1970, or why it is not one. */
export function partitionIndex(kind: 'date' | 'hour', label: string): number | string {
  const m = (kind === 'date' ? DATE : HOUR).exec(label)
  if (!m) return kind === 'date' ? 'expected YYYY-MM-DD' : 'expected YYYY-MM-DDTHH'
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = Date.UTC(y, mo - 1, d)
  const back = new Date(t)
  // Date.UTC rolls 2026-02-30 over to March: a label that does not come back unchanged is not a day.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return `${m[1]}-${m[2]}-${m[3]} is not a calendar day`
  const day = Math.round(t / DAY_MS)
  if (kind === 'date') return day
  const h = Number(m[4])
  return h > 23 ? `hour ${m[4]} is not 00-23` : day * 24 + h
}

/** The label of a date/hour index (the inverse of partitionIndex). */
export function partitionLabel(kind: 'date' | 'hour', index: number): string {
  const day = kind === 'date' ? index : Math.floor(index / 24)
  const date = new Date(day * DAY_MS).toISOString().slice(0, 10)
  return kind === 'date' ? date : `${date}T${String(index - day * 24).padStart(2, '0')}`
}

/** The partitions from `from` to `to` inclusive (first and last `show` of them), or what is wrong with the range. */
export function previewRange(kind: PartitionKind, from: string, to: string, show = 3): RangePreview | { error: string } {
  if (kind === 'key') return { error: 'key partitions have no order, so a range cannot be listed here; the API decides' }
  if (!from || !to) return { error: 'enter the first and last partition' }
  const a = partitionIndex(kind, from)
  if (typeof a === 'string') return { error: `from: ${a}` }
  const b = partitionIndex(kind, to)
  if (typeof b === 'string') return { error: `to: ${b}` }
  if (a > b) return { error: `from ${from} is after to ${to}` }
  const count = b - a + 1
  const headN = Math.min(show, count)
  const tailN = Math.min(show, count - headN)
  const head = Array.from({ length: headN }, (_, i) => partitionLabel(kind, a + i))
  const tail = Array.from({ length: tailN }, (_, i) => partitionLabel(kind, b - tailN + 1 + i))
  return { count, head, tail }
}
