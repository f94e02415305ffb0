import { test } from 'node:test'
import assert from 'node:assert/strict'
import { attemptSegments, fraction, ganttRange, ganttRows, offsetLabel, timeTicks, type GanttAttempt, type GanttTask } from './gantt-bars'

const T0 = Date.parse('2026-12-02T10:00:00.000Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const attempt = (n: number, status: string, q: number | null, s: number | null, f: number | null, backoffMs: number | null = null): GanttAttempt => ({
  attempt: n,
  status,
  queuedAt: q === null ? null : at(q),
  startedAt: s === null ? null : at(s),
  finishedAt: f === null ? null : at(f),
  backoffMs,
})

test('one finished attempt: a queue wait then a run', () => {
  const segs = attemptSegments([attempt(1, 'succeeded', 0, 2, 10)], T0 + 60_000)
  assert.deepEqual(
    segs.map((s) => [s.kind, (s.start - T0) / 1000, (s.end - T0) / 1000, s.open]),
    [
      ['wait', 0, 2, false],
      ['run', 2, 10, false],
    ],
  )
  assert.equal(segs[1]!.status, 'succeeded')
})

test('a retry: the backoff runs from the failed attempt’s end to the next one’s queueing', () => {
  const segs = attemptSegments([attempt(2, 'succeeded', 15, 16, 20, 5000), attempt(1, 'failed', 0, 1, 10)], T0)
  assert.deepEqual(
    segs.map((s) => [s.kind, s.attempt, (s.start - T0) / 1000, (s.end - T0) / 1000]),
    [
      ['wait', 1, 0, 1],
      ['run', 1, 1, 10],
      ['backoff', 2, 10, 15],
      ['wait', 2, 15, 16],
      ['run', 2, 16, 20],
    ],
    'sorted by attempt, whatever order they came in',
  )
  assert.equal(segs[1]!.status, 'failed', 'each run segment keeps its own attempt’s status')
})

test('an attempt after a clear or a retry from failure is not a retry: no backoff drawn', () => {
  const afterSuccess = attemptSegments([attempt(1, 'succeeded', 0, 1, 2), attempt(2, 'running', 400, 401, null, 398_000)], T0 + 500_000)
  assert.deepEqual(afterSuccess.map((s) => s.kind), ['wait', 'run', 'wait', 'run'])
  const pastPolicy = attemptSegments([attempt(1, 'failed', 0, 1, 2), attempt(2, 'running', 400, 401, null)], T0 + 500_000, 1)
  assert.deepEqual(pastPolicy.map((s) => s.kind), ['wait', 'run', 'wait', 'run'], 'one attempt allowed: the second was a re-run')
  const retried = attemptSegments([attempt(1, 'failed', 0, 1, 2), attempt(2, 'running', 10, 11, null)], T0 + 500_000, 3)
  assert.deepEqual(retried.map((s) => s.kind), ['wait', 'run', 'backoff', 'wait', 'run'])
})

test('a running attempt has no finish: its run is open and ends now', () => {
  const now = T0 + 30_000
  const segs = attemptSegments([attempt(1, 'running', 0, 5, null)], now)
  const run = segs.find((s) => s.kind === 'run')!
  assert.equal(run.open, true)
  assert.equal(run.end, now)
})

test('a queued attempt waits until now; one without a queueing time has no wait segment', () => {
  const now = T0 + 8_000
  const queued = attemptSegments([attempt(1, 'queued', 3, null, null)], now)
  assert.deepEqual(queued.map((s) => [s.kind, s.open, (s.end - T0) / 1000]), [['wait', true, 8]])
  const direct = attemptSegments([attempt(1, 'succeeded', null, 2, 4)], now)
  assert.deepEqual(direct.map((s) => s.kind), ['run'])
})

test('without a queueing time, the backoff ends at the start, or lasts backoffMs', () => {
  const started = attemptSegments([attempt(1, 'failed', 0, 0, 2), attempt(2, 'succeeded', null, 6, 7)], T0)
  assert.deepEqual(started.filter((s) => s.kind === 'backoff').map((s) => [(s.start - T0) / 1000, (s.end - T0) / 1000]), [[2, 6]])
  const onlyMs = attemptSegments([attempt(1, 'failed', 0, 0, 2), attempt(2, 'queued', null, null, null, 3000)], T0 + 10_000)
  assert.deepEqual(onlyMs.filter((s) => s.kind === 'backoff').map((s) => [(s.start - T0) / 1000, (s.end - T0) / 1000]), [[2, 5]])
})

test('an attempt that ended without a recorded finish is not drawn to now', () => {
  const segs = attemptSegments([attempt(1, 'cancelled', 0, 1, null)], T0 + 3_600_000)
  const run = segs.find((s) => s.kind === 'run')!
  assert.equal(run.open, false)
  assert.equal(run.end, run.start)
})

test('a clock skew never draws a segment backwards', () => {
  const segs = attemptSegments([attempt(1, 'succeeded', 5, 4, 3)], T0)
  for (const s of segs) assert.ok(s.end >= s.start, `${s.kind} ${s.start}..${s.end}`)
})

test('rows: a retrying task gets an open backoff to now; a task that never ran has no extent', () => {
  const now = T0 + 20_000
  const tasks: GanttTask[] = [
    { id: 'a', status: 'retrying', attemptDetails: [attempt(1, 'failed', 0, 1, 4)] },
    { id: 'b', status: 'upstream_failed', attemptDetails: [] },
  ]
  const [a, b] = ganttRows(tasks, now)
  assert.deepEqual(a!.segments.at(-1), { kind: 'backoff', attempt: 2, status: 'retrying', start: T0 + 4000, end: now, open: true })
  assert.equal(a!.start, T0)
  assert.equal(a!.end, now)
  assert.deepEqual([b!.segments.length, b!.start, b!.end], [0, null, null])
  const [done] = ganttRows([{ id: 'c', status: 'retrying', maxAttempts: 1, attemptDetails: [attempt(1, 'failed', 0, 1, 4)] }], now)
  assert.equal(done!.segments.filter((s) => s.kind === 'backoff').length, 0, 'no retry left: no open backoff')
})

test('range: covers the run and every segment, never empty', () => {
  const rows = ganttRows([{ id: 'a', status: 'succeeded', attemptDetails: [attempt(1, 'succeeded', -2, 0, 30)] }], T0 + 99_000)
  assert.deepEqual(ganttRange(rows, { createdAt: at(0), startedAt: at(0), finishedAt: at(20) }, T0 + 99_000), { start: T0 - 2000, end: T0 + 30_000 })
  assert.deepEqual(ganttRange([], { createdAt: at(0), startedAt: null, finishedAt: at(0) }, T0), { start: T0, end: T0 + 1000 })
  assert.deepEqual(ganttRange([], { createdAt: at(0), startedAt: at(1), finishedAt: null }, T0 + 50_000), { start: T0 + 1000, end: T0 + 50_000 }, 'a running run ends now')
})

test('fraction is clamped to the axis', () => {
  const r = { start: 0, end: 100 }
  assert.equal(fraction(50, r), 0.5)
  assert.equal(fraction(-5, r), 0)
  assert.equal(fraction(500, r), 1)
})

test('ticks: readable steps, at least the gap apart, labelled as offsets', () => {
  const ticks = timeTicks({ start: T0, end: T0 + 60_000 }, 900, 90)
  assert.ok(ticks.length <= 10 && ticks.length >= 4, `${ticks.length} ticks`)
  assert.equal(ticks[0]!.label, '0')
  assert.equal(ticks[1]!.at - ticks[0]!.at, 10_000)
  assert.equal(ticks[1]!.label, '+10 s')
  assert.deepEqual(timeTicks({ start: 0, end: 10 }, 0), [{ at: 0, label: '0' }])
  assert.equal(offsetLabel(250), '+250 ms')
  assert.equal(offsetLabel(90_000), '+1 m 30 s')
  assert.equal(offsetLabel(5_400_000), '+1 h 30 m')
})

test('thousands of tasks: rows and range stay linear (no per-row scan of the others)', () => {
  const tasks: GanttTask[] = Array.from({ length: 5000 }, (_, i) => ({
    id: `t${i}`,
    status: i % 10 === 0 ? 'running' : 'succeeded',
    attemptDetails: i % 7 === 0 ? [attempt(1, 'failed', i, i + 1, i + 2), attempt(2, i % 10 === 0 ? 'running' : 'succeeded', i + 4, i + 5, i % 10 === 0 ? null : i + 9)] : [attempt(1, i % 10 === 0 ? 'running' : 'succeeded', i, i + 1, i % 10 === 0 ? null : i + 3)],
  }))
  const now = T0 + 6_000_000
  const t = performance.now()
  const rows = ganttRows(tasks, now)
  const range = ganttRange(rows, { createdAt: at(0), startedAt: at(0), finishedAt: null }, now)
  const elapsed = performance.now() - t
  assert.equal(rows.length, 5000)
  assert.equal(range.end, now)
  assert.equal(rows[7]!.segments.filter((s) => s.kind === 'backoff').length, 1)
  // Generous (shared CI machines): a quadratic pass over 5,000 rows would take many seconds.
  assert.ok(elapsed < 1500, `took ${elapsed.toFixed(1)} ms`)
})
