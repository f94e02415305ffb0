/**
 * The run timeline's maths (no React, no DOM): each task attempt becomes up to three segments on
 * a shared time axis — the retry backoff before it, its wait in the queue, and its run — so an
 * operator sees at a glance whether a slow task was slow, starved of workers, or backing off.
 */

/** The parts of a task attempt the timeline needs (as GET /runs/{id} sends them). */
export interface GanttAttempt {
  attempt: number
  status: string
  queuedAt: string | null
  startedAt: string | null
  finishedAt: string | null
  backoffMs?: number | null
}

/** The parts of a task the timeline needs. */
export interface GanttTask {
  id: string
  status: string
  attemptDetails: readonly GanttAttempt[]
  /** Attempts its retry policy allows (from the workflow); later ones were re-runs, not retries. */
  maxAttempts?: number
}

/** What a stretch of an attempt was spent on. */
export type SegmentKind = 'backoff' | 'wait' | 'run'

/** One stretch of time of one attempt, in epoch ms; `open` when it is still going (ends at `now`). */
export interface GanttSegment {
  kind: SegmentKind
  attempt: number
  /** The attempt's status (colours a run segment). */
  status: string
  start: number
  end: number
  open: boolean
}

/** One timeline row: a task, its segments in time order, and its overall extent (null: never ran). */
export interface GanttRow {
  taskId: string
  status: string
  attempts: number
  segments: GanttSegment[]
  start: number | null
  end: number | null
}

/** The span of the time axis, in epoch ms (end > start). */
export interface TimeRange {
  start: number
  end: number
}

/** A tick on the time axis: where (epoch ms) and its label (offset from the axis start). */
export interface TimeTick {
  at: number
  label: string
}

/** Task statuses that mean a task is waiting out its retry backoff. */
const BACKING_OFF = new Set(['retrying'])

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : null
}

/**
 * Whether attempt `n` was a retry (so the time before it was a backoff): the attempt before it
 * failed, and the retry policy allows `n` attempts. Otherwise it came from a clear or a retry from
 * failure, and the time before it was idle.
 */
export function isRetry(previous: { status: string } | undefined, n: number, maxAttempts = Infinity): boolean {
  return previous?.status === 'failed' && n <= maxAttempts
}

/** Attempt statuses whose missing end means "still going" (any other: it ended unrecorded). */
const UNDERWAY = new Set(['pending', 'queued', 'running'])

function segment(kind: SegmentKind, a: GanttAttempt, start: number, end: number | null, now: number): GanttSegment {
  if (end === null && !UNDERWAY.has(a.status)) end = start
  const open = end === null
  // A clock skew between workers and the database must not draw a bar backwards.
  const stop = Math.max(start, end ?? Math.max(now, start))
  return { kind, attempt: a.attempt, status: a.status, start, end: stop, open }
}

/**
 * The segments of one task's attempts, oldest first. Before attempt n > 1: its backoff, from the
 * previous attempt's end to this one's queueing (or, without a queueing time, `backoffMs` long).
 * Then its queue wait (queued → started, or → now while still queued) and its run (started →
 * finished, or → now while running). An attempt without times adds nothing. Pass the run's
 * finish as `now` for a finished run, so nothing left open runs past it.
 */
export function attemptSegments(attempts: readonly GanttAttempt[], now: number, maxAttempts = Infinity): GanttSegment[] {
  const out: GanttSegment[] = []
  const sorted = [...attempts].sort((x, y) => x.attempt - y.attempt)
  let previousEnd: number | null = null
  let previous: GanttAttempt | undefined
  for (const a of sorted) {
    const queued = ms(a.queuedAt)
    const started = ms(a.startedAt)
    const finished = ms(a.finishedAt)
    if (previousEnd !== null && isRetry(previous, a.attempt, maxAttempts)) {
      const backoffEnd = queued ?? started ?? (a.backoffMs ? previousEnd + a.backoffMs : null)
      if (backoffEnd !== null && backoffEnd > previousEnd) out.push(segment('backoff', a, previousEnd, backoffEnd, now))
    }
    if (queued !== null) out.push(segment('wait', a, queued, started ?? (finished ?? null), now))
    if (started !== null) out.push(segment('run', a, started, finished, now))
    previousEnd = finished ?? previousEnd
    previous = a
  }
  return out
}

/**
 * One row per task, in the run's task order. A task that is `retrying` (its last attempt failed,
 * the next not queued yet) gets an open backoff segment from that failure to now.
 */
export function ganttRows(tasks: readonly GanttTask[], now: number): GanttRow[] {
  return tasks.map((t) => {
    const segments = attemptSegments(t.attemptDetails, now, t.maxAttempts)
    const last = t.attemptDetails.reduce<GanttAttempt | undefined>((m, a) => (!m || a.attempt > m.attempt ? a : m), undefined)
    const lastEnd = ms(last?.finishedAt)
    if (BACKING_OFF.has(t.status) && last && lastEnd !== null && last.attempt < (t.maxAttempts ?? Infinity)) {
      segments.push({ kind: 'backoff', attempt: last.attempt + 1, status: t.status, start: lastEnd, end: Math.max(now, lastEnd), open: true })
    }
    let start: number | null = null
    let end: number | null = null
    for (const s of segments) {
      start = start === null ? s.start : Math.min(start, s.start)
      end = end === null ? s.end : Math.max(end, s.end)
    }
    return { taskId: t.id, status: t.status, attempts: t.attemptDetails.length, segments, start, end }
  })
}

/**
 * The time axis of a run: from its start (or creation) to its end — the run's finish, the last
 * segment, or now while it runs — whichever is latest. Never empty: a run that has not started
 * gets a one-second axis.
 */
export function ganttRange(rows: readonly GanttRow[], run: { createdAt: string; startedAt: string | null; finishedAt: string | null }, now: number): TimeRange {
  let start = ms(run.startedAt) ?? ms(run.createdAt) ?? now
  let end = ms(run.finishedAt) ?? now
  for (const r of rows) {
    if (r.start !== null && r.start < start) start = r.start
    if (r.end !== null && r.end > end) end = r.end
  }
  return { start, end: Math.max(end, start + 1000) }
}

/** Where `at` falls on the axis, as a fraction 0..1 (clamped). */
export function fraction(at: number, range: TimeRange): number {
  const f = (at - range.start) / (range.end - range.start)
  return Math.min(1, Math.max(0, f))
}

/** Tick steps people read easily, in ms: 1 ms … 1 day. */
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3]

/** An offset from the axis start as a short label: `0`, `+500 ms`, `+1.5 s`, `+2 m`, `+1 h 30 m`. */
export function offsetLabel(offsetMs: number): string {
  if (offsetMs <= 0) return '0'
  if (offsetMs < 1000) return `+${Math.round(offsetMs)} ms`
  if (offsetMs < 60_000) return `+${Number((offsetMs / 1000).toFixed(1))} s`
  if (offsetMs < 3_600_000) {
    const m = Math.floor(offsetMs / 60_000)
    const s = Math.round((offsetMs % 60_000) / 1000)
    return s ? `+${m} m ${s} s` : `+${m} m`
  }
  const h = Math.floor(offsetMs / 3_600_000)
  const m = Math.round((offsetMs % 3_600_000) / 60_000)
  return m ? `+${h} h ${m} m` : `+${h} h`
}

/**
 * Ticks for an axis `widthPx` wide: the smallest readable step that keeps ticks at least
 * `minGapPx` apart, from the axis start.
 */
export function timeTicks(range: TimeRange, widthPx: number, minGapPx = 90): TimeTick[] {
  const span = range.end - range.start
  if (!(widthPx > 0) || !(span > 0)) return [{ at: range.start, label: '0' }]
  const maxTicks = Math.max(1, Math.floor(widthPx / minGapPx))
  const step = STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks)
  const ticks: TimeTick[] = []
  for (let off = 0; off <= span; off += step) ticks.push({ at: range.start + off, label: offsetLabel(off) })
  return ticks
}
