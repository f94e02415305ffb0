/**
 * Pure cron-schedule logic: when a schedule fires, which missed ticks a catch-up policy runs,
 * and which partition a scheduled run covers. The coordinator's scheduler does the I/O around
 * it; nothing here reads the clock (every function takes the instants it needs).
 *
 * Cron expressions are parsed and iterated by `cron-parser` (v5, luxon time zones); this
 * module never parses cron itself. Times are wall-clock times in the schedule's IANA zone.
 *
 * Daylight-saving behaviour (the one cron-parser produces for an uninterrupted iteration,
 * asserted by the tests for Europe/Paris and America/New_York):
 * - Skipped hour (spring forward): a wall time that does not exist fires once, one hour
 *   later on the new offset — `30 2 * * *` in Europe/Paris on 2026-03-29 fires at 03:30 CEST.
 * - Repeated hour (fall back): an expression with a fixed hour fires once, at the first
 *   occurrence (`30 2 * * *` fires at 02:30 CEST on 2026-10-25, not again at 02:30 CET);
 *   an expression whose hour field matches every hour (`0 * * * *`) fires in both passes,
 *   once per real hour (25 distinct instants on that day, 23 on the spring-forward day).
 *
 * cron-parser gives a different answer when iteration *starts* inside the hour after a
 * transition (it skips the shifted ticks, or repeats the fixed-hour tick in the second pass),
 * and its `prev()` disagrees with `next()` around transitions. So every function here walks
 * forward with `next()` only, from a start at least {@link TRANSITION_MARGIN_MS} before any
 * transition it could be inside: the set of fire times is the same whichever instant a
 * caller asks from, which is what makes the `cron:<scheduled time>` run key unique.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser'
import { ValidationError, type ValidationIssue } from '../errors.js'

/** What a schedule does with ticks missed while no coordinator was running. */
export const CatchupPolicy = { none: 'none', latest: 'latest', all: 'all' } as const
/** A catch-up policy word. */
export type CatchupPolicy = (typeof CatchupPolicy)[keyof typeof CatchupPolicy]

/** How runs of a workflow are partitioned (the `when.partition` words). */
export const PartitionKind = { date: 'date', hour: 'hour', key: 'key' } as const
/** A partition kind word. */
export type PartitionKind = (typeof PartitionKind)[keyof typeof PartitionKind]

/** The part of a `schedule` that decides when it fires. */
export interface CronSchedule {
  /** A 5-field cron expression (6 with leading seconds) or a predefined `@daily`-style alias. */
  readonly cron: string
  /** IANA time zone the expression's wall-clock times are in. */
  readonly timezone: string
  /**
   * Seed for `H` (hashed) fields; pass the workflow name to spread such schedules apart.
   * Without it a fixed seed is used: an unseeded `H` would be random per parse, and two
   * coordinators would then disagree on the fire times.
   */
  readonly hashSeed?: string
}

const DEFAULT_HASH_SEED = 'baton'
/**
 * How far before an instant the forward walk starts when that instant is shortly after a
 * UTC-offset change: more than the largest DST shift in the tz database (2 h,
 * Antarctica/Troll), so the walk starts outside the hour where cron-parser misbehaves.
 */
export const TRANSITION_MARGIN_MS = 3 * 3_600_000
/** How far back {@link previousFireTime} looks: `0 0 29 2 *` can go 8 years without firing. */
const MAX_LOOKBACK_MS = 50 * 366 * 86_400_000
/** Smallest first window of the backward search for the latest ticks. */
const FIRST_WINDOW_MS = 60_000
/** Any fixed instant: validation checks that an expression fires at all, without a clock. */
const VALIDATION_DATE = new Date(Date.UTC(2000, 0, 1))

/**
 * Checks a schedule's cron expression and time zone; returns one issue per bad field
 * (`${path}.cron`, `${path}.timezone`) with the library's reason, or `[]`.
 */
export function validateSchedule(schedule: { cron: string; timezone: string }, path = 'schedule'): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const cronProblem = cronExpressionProblem(schedule.cron)
  if (cronProblem !== undefined) issues.push({ path: `${path}.cron`, reason: `invalid cron expression '${schedule.cron}': ${cronProblem}` })
  if (!isKnownTimezone(schedule.timezone)) {
    issues.push({ path: `${path}.timezone`, reason: `unknown IANA time zone '${schedule.timezone}' (expected a name such as 'Europe/Paris' or 'UTC')` })
  }
  return issues
}

/**
 * The first fire time strictly after `after`. Throws a `SCHEDULE_INVALID` ValidationError
 * for a schedule that {@link validateSchedule} rejects.
 */
export function nextFireTime(schedule: CronSchedule, after: Date): Date {
  assertValidSchedule(schedule)
  return firesAfter(schedule, after.getTime()).next().value
}

/** The last fire time strictly before `before` (looking back at most 50 years). */
export function previousFireTime(schedule: CronSchedule, before: Date): Date {
  assertValidSchedule(schedule)
  const found = latestFires(schedule, before.getTime() - MAX_LOOKBACK_MS, before.getTime() - 1, 1)[0]
  if (found === undefined) throw new RangeError(`cron '${schedule.cron}' did not fire in the 50 years before ${before.toISOString()}`)
  return found
}

/**
 * Every fire time in `(after, now]`, oldest first. When there are more than `limit`, only the
 * last (newest) `limit` are returned and the older ones are dropped, so a long downtime
 * under a frequent schedule costs at most `limit` runs.
 */
export function missedFireTimes(schedule: CronSchedule, after: Date, now: Date, limit: number): Date[] {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`missedFireTimes limit must be a non-negative integer, got ${limit}`)
  assertValidSchedule(schedule)
  return latestFires(schedule, after.getTime(), now.getTime(), limit)
}

/**
 * The missed ticks (from {@link missedFireTimes}, oldest first) that a catch-up policy runs:
 * `none` → none (the caller only schedules the next future tick), `latest` → the newest one,
 * `all` → each of them (the run queue's `maxActiveRuns` bounds how many run at once). A tick
 * due exactly "now" counts as missed only when it is ≤ now, as `missedFireTimes` includes it.
 */
export function fireTimesToRun(policy: CatchupPolicy, missed: readonly Date[]): Date[] {
  switch (policy) {
    case 'none':
      return []
    case 'latest':
      return missed.length === 0 ? [] : [missed[missed.length - 1]!]
    case 'all':
      return [...missed]
    default: {
      const unknown: never = policy
      throw new RangeError(`unknown catch-up policy '${String(unknown)}'`)
    }
  }
}

/**
 * The partition a scheduled run covers, by Airflow's data-interval convention: the interval
 * starts at the previous fire time and ends at this one, so the daily `0 6 * * *` run at
 * 2026-06-02 06:00 Europe/Paris covers `2026-06-01`.
 * - `date`: `YYYY-MM-DD` of the interval start, in the schedule's time zone.
 * - `hour`: `YYYY-MM-DDTHH` of the interval start, in the time zone. In the repeated hour of
 *   a fall-back, two hourly runs cover the same label (02:00 CEST and 02:00 CET are both
 *   `…T02`); the skipped hour of a spring-forward has no label.
 * - `key`: the scheduled time itself as ISO-8601 UTC.
 *
 * Pass the previous fire time if known (with the time zone); otherwise pass the schedule and
 * it is computed with {@link previousFireTime}.
 */
export function partitionFor(kind: PartitionKind, scheduledTime: Date, previousTime: Date, timezone: string): string
export function partitionFor(kind: PartitionKind, scheduledTime: Date, previousTime: Date | undefined, schedule: CronSchedule): string
export function partitionFor(kind: PartitionKind, scheduledTime: Date, previousTime: Date | undefined, zoneOrSchedule: string | CronSchedule): string {
  if (kind === 'key') return scheduledTime.toISOString()
  const timezone = typeof zoneOrSchedule === 'string' ? zoneOrSchedule : zoneOrSchedule.timezone
  if (!isKnownTimezone(timezone)) throw new ValidationError([{ path: 'timezone', reason: `unknown IANA time zone '${timezone}'` }], { code: 'SCHEDULE_INVALID' })
  let start = previousTime
  if (start === undefined) {
    if (typeof zoneOrSchedule === 'string') throw new TypeError('partitionFor needs the schedule (not only its time zone) when the previous fire time is unknown')
    start = previousFireTime(zoneOrSchedule, scheduledTime)
  }
  if (start.getTime() >= scheduledTime.getTime()) {
    throw new RangeError(`previous fire time ${start.toISOString()} is not before scheduled time ${scheduledTime.toISOString()}`)
  }
  const w = wallClock(start.getTime(), timezone)
  const date = `${pad(w.year, 4)}-${pad(w.month, 2)}-${pad(w.day, 2)}`
  return kind === 'date' ? date : `${date}T${pad(w.hour, 2)}`
}

/** A partition string checked against its kind: the string itself, or why it is not one. */
export type ParsedPartition = { ok: true; value: string } | { ok: false; reason: string }

/** Longest partition key (the wire schema's limit). */
export const MAX_PARTITION_KEY_LENGTH = 200

/**
 * Checks a partition string for a kind: `date` is `YYYY-MM-DD` naming a real calendar day,
 * `hour` is `YYYY-MM-DDTHH` with HH 00–23, `key` is 1–200 characters, not all whitespace.
 */
export function parsePartition(kind: PartitionKind, text: string): ParsedPartition {
  if (kind === 'key') {
    if (text.length === 0) return { ok: false, reason: 'a key partition must not be empty' }
    if (text.length > MAX_PARTITION_KEY_LENGTH) return { ok: false, reason: `a key partition is at most ${MAX_PARTITION_KEY_LENGTH} characters, got ${text.length}` }
    if (text.trim().length === 0) return { ok: false, reason: 'a key partition must not be only whitespace' }
    return { ok: true, value: text }
  }
  const index = partitionIndex(kind, text)
  return typeof index === 'string' ? { ok: false, reason: index } : { ok: true, value: text }
}

/**
 * Every `date` or `hour` partition from `from` to `to` inclusive, for a backfill. Labels are
 * calendar labels (every day has hours 00–23), independent of any time zone. Problems are
 * returned, not thrown: an unparsable bound, a reversed range, a `key` kind (keys have no
 * order), or more than `max` partitions.
 */
export function partitionsInRange(kind: PartitionKind, from: string, to: string, max: number): string[] | { error: string } {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`partitionsInRange max must be a positive integer, got ${max}`)
  if (kind === 'key') return { error: `a range "${from}".."${to}" needs ordered partitions; key partitions have no order, so list the keys instead` }
  const first = partitionIndex(kind, from)
  if (typeof first === 'string') return { error: `from "${from}" is not a ${kind} partition: ${first}` }
  const last = partitionIndex(kind, to)
  if (typeof last === 'string') return { error: `to "${to}" is not a ${kind} partition: ${last}` }
  if (first > last) return { error: `reversed range: from "${from}" is after to "${to}"` }
  const count = last - first + 1
  if (count > max) return { error: `range "${from}".."${to}" spans ${count} ${kind} partitions, more than the limit of ${max}` }
  const out: string[] = []
  for (let i = first; i <= last; i++) out.push(partitionLabel(kind, i))
  return out
}

// ---------------------------------------------------------------------------------------
// Fire-time iteration

function assertValidSchedule(schedule: CronSchedule): void {
  const issues = validateSchedule(schedule)
  if (issues.length > 0) throw new ValidationError(issues, { code: 'SCHEDULE_INVALID' })
}

function parseCron(schedule: CronSchedule, currentDate: number): CronExpression {
  return CronExpressionParser.parse(schedule.cron, { currentDate: new Date(currentDate), tz: schedule.timezone, hashSeed: schedule.hashSeed ?? DEFAULT_HASH_SEED })
}

/**
 * The fire times strictly after `after`, ascending, without end. Starts the library's
 * iterator at `after`, or {@link TRANSITION_MARGIN_MS} earlier when the zone's offset changed
 * within that margin (see the module comment).
 */
function* firesAfter(schedule: CronSchedule, after: number): Generator<Date, never> {
  const nearTransition = utcOffsetMs(after, schedule.timezone) !== utcOffsetMs(after - TRANSITION_MARGIN_MS, schedule.timezone)
  const iterator = parseCron(schedule, nearTransition ? after - TRANSITION_MARGIN_MS : after)
  let last = after
  for (;;) {
    const t = iterator.next().getTime()
    // Strictly increasing by construction: nothing at or before the last instant yielded.
    if (t > last) {
      last = t
      yield new Date(t)
    }
  }
}

/**
 * The last `limit` fire times in `(floor, ceiling]`, oldest first. Walks forward from a
 * window below `ceiling` sized from the gap between the next two ticks, doubling it until it
 * holds `limit` ticks or reaches `floor`, so the cost follows `limit`, not the length of the
 * interval. Measured (Node 20, cron-parser 5.10): one `next()` costs ~0.3 ms for hourly and
 * daily expressions; the last 1000 hourly ticks of a five-month gap take ~140 ms in all.
 */
function latestFires(schedule: CronSchedule, floor: number, ceiling: number, limit: number): Date[] {
  if (limit === 0 || ceiling <= floor) return []
  const ahead = firesAfter(schedule, ceiling)
  const first = ahead.next().value.getTime()
  const gap = ahead.next().value.getTime() - first
  for (let window = Math.max(FIRST_WINDOW_MS, gap * (limit + 1)); ; window *= 2) {
    const start = Math.max(floor, ceiling - window)
    const fires: Date[] = []
    for (const t of firesAfter(schedule, start)) {
      if (t.getTime() > ceiling) break
      fires.push(t)
    }
    if (fires.length >= limit || start === floor) return fires.slice(-limit)
  }
}

/** Why a cron expression is unusable, or undefined when cron-parser accepts it and it fires. */
function cronExpressionProblem(cron: string): string | undefined {
  // cron-parser pads a short expression with `*` fields ("* * *" would fire every minute),
  // so the field count is checked here; everything inside the fields is the library's job.
  const fields = cron.trim().split(/\s+/).filter((f) => f.length > 0)
  if (fields.length === 0) return 'the expression is empty'
  const alias = fields.length === 1 && fields[0]!.startsWith('@')
  if (!alias && (fields.length < 5 || fields.length > 6)) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, got ${fields.length}`
  }
  try {
    parseCron({ cron, timezone: 'UTC' }, VALIDATION_DATE.getTime()).next()
    return undefined
  } catch (e: unknown) {
    return e instanceof Error ? e.message : String(e)
  }
}

// ---------------------------------------------------------------------------------------
// Time zones (Intl; formatters cached per zone name, one per valid zone)

const wallClockFormats = new Map<string, Intl.DateTimeFormat>()

function wallClockFormat(timezone: string): Intl.DateTimeFormat {
  let format = wallClockFormats.get(timezone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    wallClockFormats.set(timezone, format)
  }
  return format
}

/** True when both Intl and cron-parser (luxon) know the zone. */
function isKnownTimezone(timezone: string): boolean {
  if (timezone.trim().length === 0) return false
  try {
    wallClockFormat(timezone)
    parseCron({ cron: '0 0 * * *', timezone }, VALIDATION_DATE.getTime()).next()
    return true
  } catch {
    return false
  }
}

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function wallClock(instant: number, timezone: string): WallClock {
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  for (const part of wallClockFormat(timezone).formatToParts(new Date(instant))) {
    if (part.type in w) w[part.type as keyof WallClock] = Number(part.value)
  }
  return w
}

/** The zone's offset from UTC at an instant, in milliseconds (whole seconds). */
function utcOffsetMs(instant: number, timezone: string): number {
  const w = wallClock(instant, timezone)
  const asUtc = new Date(0)
  asUtc.setUTCFullYear(w.year, w.month - 1, w.day)
  asUtc.setUTCHours(w.hour, w.minute, w.second, 0)
  return asUtc.getTime() - Math.floor(instant / 1000) * 1000
}

// ---------------------------------------------------------------------------------------
// Partition labels: `date` ↔ days since 1970-01-01, `hour` ↔ hours since 1970-01-01T00

const DATE_LABEL = /^(\d{4})-(\d{2})-(\d{2})$/
const HOUR_LABEL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/
const DAY_MS = 86_400_000

/** The label's index, or the reason it is not a label of that kind. */
function partitionIndex(kind: 'date' | 'hour', text: string): number | string {
  const m = (kind === 'date' ? DATE_LABEL : HOUR_LABEL).exec(text)
  if (!m) return kind === 'date' ? 'expected YYYY-MM-DD' : 'expected YYYY-MM-DDTHH (hour 00-23)'
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (year < 1) return 'year 0000 is not a calendar year'
  if (month < 1 || month > 12) return `month ${m[2]} is not 01-12`
  const days = daysInMonth(year, month)
  if (day < 1 || day > days) return `day ${m[3]} is not a day of ${m[1]}-${m[2]}, which has ${days} days`
  const midnight = new Date(0)
  midnight.setUTCFullYear(year, month - 1, day)
  const dayIndex = Math.round(midnight.getTime() / DAY_MS)
  if (kind === 'date') return dayIndex
  const hour = Number(m[4])
  if (hour > 23) return `hour ${m[4]} is not 00-23`
  return dayIndex * 24 + hour
}

function partitionLabel(kind: 'date' | 'hour', index: number): string {
  const d = new Date((kind === 'date' ? index : Math.floor(index / 24)) * DAY_MS)
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
  return kind === 'date' ? date : `${date}T${pad(index - Math.floor(index / 24) * 24, 2)}`
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}
