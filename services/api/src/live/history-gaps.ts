import { allFinished, type PgSnapshot } from './pg-snapshot.js'

/**
 * How far the live tail may advance through `history` — the pure part of the tail
 * (history-tail.ts does the reading and fanning out).
 *
 * The trap: `history.id` is a bigserial, assigned when a row is INSERTED, not when its
 * transaction commits. Two coordinators' transactions T1 (takes id 41) and T2 (takes id 42) may
 * commit T2 first; a reader that then sees 42 and moves its cursor past 41 never reads 41 when T1
 * commits a moment later. So the tail keeps a `cursor` below which every id is SETTLED — read and
 * fanned out, or known never to appear — and stops at the first missing id (a gap) until it is
 * settled:
 *
 * - the gap FILLS when its transaction commits: the next read sees the row, in order;
 * - the gap is PERMANENT when its transaction rolled back (a batch that failed, a coordinator
 *   killed mid-transaction). That is known from snapshots rather than from a clock: every read
 *   also returns `pg_current_snapshot()` of the same statement, whose in-progress list holds every
 *   transaction that could still commit the missing id. A transaction that allocated the id and
 *   has not committed by snapshot S is in S's list — Baton's history writers take their
 *   transaction id before they allocate history ids (every coordinator batch locks or inserts its
 *   runs first). The gap is permanent once every transaction of that list has finished and the
 *   row is still absent, usually at the next read (a few ms).
 *
 * The list is taken from a snapshot at least `graceMs` after the gap was first seen, not the
 * first one: that closes the microseconds between a writer allocating an id and taking its
 * transaction id, in case some writer ever inserts history first. And a gap held longer than
 * `maxHoldMs` is skipped with a warning even if the list has not drained (a long transaction of
 * another application on the same server keeps it from draining): only a history write whose
 * transaction stays open that long AND then commits would be lost — a coordinator batch takes
 * milliseconds. Holding back is bounded; silently skipping never happens.
 *
 * Alternatives not taken: a fixed hold-back time per gap (every rolled-back batch stalls every
 * client for the whole hold time, and a slow commit beyond it is lost); logical decoding (a
 * replication slot per API replica, superuser set-up); polling ids per client (every client
 * queries Postgres: what this module exists to avoid).
 */

/** A missing id the tail is waiting on. */
export interface HistoryGap {
  /** The first missing id (`cursor + 1`). */
  readonly firstMissing: number
  /** When a read first showed a higher id without it. */
  readonly seenAtMs: number
  /** In-progress transactions of a snapshot taken `graceMs` after `seenAtMs`; null before that. */
  readonly drain: readonly number[] | null
}

/** Where the tail stands in `history`. */
export interface HistoryTailState {
  /** Every id up to this one is settled (fanned out, or known never to appear). */
  readonly cursor: number
  /** The gap the tail is held at, if any. */
  readonly gap: HistoryGap | null
}

/** Timing of gap decisions. */
export interface GapTiming {
  /** How long after first seeing a gap the in-progress list to wait for is taken. */
  readonly graceMs: number
  /** Longest a gap holds the tail back before it is skipped (with a warning). */
  readonly maxHoldMs: number
}

/** A range of ids the tail passed without rows: `finished` (rolled back) or `timeout` (maxHoldMs). */
export interface SkippedGap {
  readonly from: number
  readonly to: number
  readonly why: 'finished' | 'timeout'
}

/** What one read lets the tail do: the rows to fan out, in order, and its new state. */
export interface HistoryAdvance<R> {
  readonly state: HistoryTailState
  readonly emit: R[]
  readonly skipped: SkippedGap[]
}

/**
 * Advances the tail over `rows` (ids above `state.cursor`, ascending, read in the statement that
 * took `snapshot`) at time `nowMs`. Pure.
 */
export function advanceHistory<R extends { readonly id: number }>(state: HistoryTailState, rows: readonly R[], snapshot: PgSnapshot, nowMs: number, timing: GapTiming): HistoryAdvance<R> {
  let cursor = state.cursor
  let gap = state.gap
  const emit: R[] = []
  const skipped: SkippedGap[] = []
  for (const row of rows) {
    if (row.id <= cursor) continue
    if (row.id > cursor + 1) {
      const current: HistoryGap = gap?.firstMissing === cursor + 1 ? gap : { firstMissing: cursor + 1, seenAtMs: nowMs, drain: null }
      const drain = current.drain ?? (nowMs - current.seenAtMs >= timing.graceMs ? snapshot.inProgress : null)
      const why = drain !== null && allFinished(drain, snapshot) ? 'finished' : nowMs - current.seenAtMs >= timing.maxHoldMs ? 'timeout' : null
      if (why === null) return { state: { cursor, gap: { ...current, drain } }, emit, skipped }
      skipped.push({ from: cursor + 1, to: row.id - 1, why })
    }
    gap = null
    emit.push(row)
    cursor = row.id
  }
  return { state: { cursor, gap: null }, emit, skipped }
}

/**
 * Whether the ids at or below a starting point are settled: the tail starts at the highest id
 * visible in snapshot `start` (taken at `startedAtMs`), and ids below it may still belong to
 * transactions in progress then. Same rule as a gap: the in-progress list of a snapshot `graceMs`
 * later (`drain`, kept by the caller) must have finished, or `maxHoldMs` passed.
 */
export function startSettled(drain: readonly number[] | null, startedAtMs: number, snapshot: PgSnapshot, nowMs: number, timing: GapTiming): { settled: boolean; drain: readonly number[] | null; timedOut: boolean } {
  const list = drain ?? (nowMs - startedAtMs >= timing.graceMs ? snapshot.inProgress : null)
  if (list !== null && allFinished(list, snapshot)) return { settled: true, drain: list, timedOut: false }
  if (nowMs - startedAtMs >= timing.maxHoldMs) return { settled: true, drain: list, timedOut: true }
  return { settled: false, drain: list, timedOut: false }
}
