import { parseDuration, ValidationError } from '@baton/shared'

/** Commander reducer for a repeatable option (`--param a=1 --param b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** Commander parser for an integer option in [min, max] (no upper bound without max); a bad value names the flag. */
export function intOption(flag: string, min: number, max = Infinity): (value: string) => number {
  const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`
  return (value) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new ValidationError([{ path: flag, reason: `must be an integer ${range}, got "${value}"` }])
    return n
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/

/** Whether the date (and time) fields exist on a calendar: `Date.parse` would roll 02-30 over to 03-02. */
function realCalendarTime(m: RegExpExecArray): boolean {
  const [year, month, day, hour = '0', minute = '0', second = '0'] = m.slice(1).map((x) => x ?? undefined) as string[]
  const y = Number(year)
  const mo = Number(month)
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate()
  return mo >= 1 && mo <= 12 && Number(day) >= 1 && Number(day) <= daysInMonth && Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59
}

/**
 * Parses a point in time for `--since`/`--until`: an ISO date (`2026-06-01`, midnight UTC), an ISO
 * date-time (`2026-06-01T06:00Z`; local time when it has no offset), or a duration meaning that
 * long before `now` (`30m`, `24h`, `7d`). A bad value names the flag and what is accepted.
 */
export function parseTimeArg(flag: string, value: string, now: Date = new Date()): Date {
  const v = value.trim()
  const iso = ISO_DATE.exec(v) ?? ISO_TIME.exec(v)
  if (iso) {
    const t = Date.parse(ISO_DATE.test(v) ? `${v}T00:00:00Z` : v.replace(' ', 'T'))
    if (Number.isFinite(t) && realCalendarTime(iso)) return new Date(t)
  } else if (/^\d/.test(v)) {
    try {
      return new Date(now.getTime() - parseDuration(v, flag))
    } catch {
      // Falls through to the one error below.
    }
  }
  throw new ValidationError([{ path: flag, reason: `"${value}" is not a time: use an ISO date or date-time (2026-06-01, 2026-06-01T06:00Z) or a duration ago (30m, 24h, 7d)` }])
}

/** Commander parser for a time option (see `parseTimeArg`). */
export function timeOption(flag: string): (value: string) => Date {
  return (value) => parseTimeArg(flag, value)
}

/** Commander parser for a value from a fixed set; a bad value names the flag and the choices. */
export function choiceOption<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T
    throw new ValidationError([{ path: flag, reason: `must be one of ${choices.join(', ')}, got "${value}"` }])
  }
}

/** Parses `--weight owner=N` flags into an owner → weight map; a bad one names the flag. */
export function weightsOption(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) {
    const m = /^([^=]+)=(.+)$/.exec(v)
    const w = m ? Number(m[2]) : NaN
    if (!m || !(w > 0 && w <= 1000)) throw new ValidationError([{ path: '--weight', reason: `"${v}" is not OWNER=WEIGHT with a weight above 0 and at most 1000` }])
    out[m[1]!.trim()] = w
  }
  return out
}
