import { DateTime } from 'luxon'
import { parseDuration } from '../duration.js'
import type { ValidationIssue } from '../errors.js'

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Checks a readiness `expectBy`: a time of day (`07:00`) or a duration (`2h`). */
export function validateExpectBy(expectBy: string, path = 'when.expectBy'): ValidationIssue[] {
  if (TIME_OF_DAY.test(expectBy)) return []
  try {
    parseDuration(expectBy, path)
    return []
  } catch {
    return [{ path, reason: `invalid time "${expectBy}": expected a time of day like "07:00" or a duration like "2h"` }]
  }
}

/**
 * When the sources of a partition must all have landed. A duration counts from the first
 * landing. A time of day is in the workflow's timezone, at its first occurrence after the
 * partition ends: data for day 2026-06-01 with `expectBy: '07:00'` is due 2026-06-02 07:00
 * (for an hour partition, after that hour; for a key partition, after the first landing).
 */
export function readinessDeadline(expectBy: string, kind: 'date' | 'hour' | 'key', partition: string, firstLanding: Date, timezone: string): Date {
  const m = TIME_OF_DAY.exec(expectBy)
  if (!m) return new Date(firstLanding.getTime() + parseDuration(expectBy))
  const [hour, minute] = [Number(m[1]), Number(m[2])]
  let end: DateTime
  if (kind === 'date') end = DateTime.fromISO(partition, { zone: timezone }).plus({ days: 1 })
  else if (kind === 'hour') end = DateTime.fromISO(`${partition}:00`, { zone: timezone }).plus({ hours: 1 })
  else end = DateTime.fromJSDate(firstLanding, { zone: timezone })
  let due = end.set({ hour, minute, second: 0, millisecond: 0 })
  if (due < end) due = due.plus({ days: 1 })
  return due.toJSDate()
}
