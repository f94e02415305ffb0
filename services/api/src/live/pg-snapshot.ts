/**
 * Postgres snapshots as the live tail reasons about them (`pg_current_snapshot()`, PG 13+): which
 * transactions were still in progress when a statement read its rows. Transaction ids here are
 * `xid8` values (64-bit, never wrapping), carried as JS numbers: they stay far below 2^53.
 */

/** A snapshot: `xmin` (every transaction below it is finished), `xmax` (none at or above it had started) and those in between still running. */
export interface PgSnapshot {
  readonly xmin: number
  readonly xmax: number
  /** Top-level transactions in progress, `xmin <= x < xmax`. */
  readonly inProgress: readonly number[]
}

/** Parses the text form of a `pg_snapshot` (`xmin:xmax:xip,xip,…`); throws on anything else. */
export function parseSnapshot(text: string): PgSnapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text)
  if (!m) throw new Error(`not a pg_snapshot: ${JSON.stringify(text)}`)
  return {
    xmin: Number(m[1]),
    xmax: Number(m[2]),
    inProgress: m[3] ? m[3].split(',').map(Number) : [],
  }
}

/**
 * Whether every transaction of `earlier` (a set of in-progress ids taken from an earlier
 * snapshot) has finished — committed or rolled back — by the time `now` was taken: none of them
 * is still in `now`'s in-progress list. (Ids below `now.xmin` are finished by definition, and an id
 * from an earlier snapshot is below `now.xmax`, so the in-progress list decides.)
 */
export function allFinished(earlier: readonly number[], now: PgSnapshot): boolean {
  if (earlier.length === 0 || now.inProgress.length === 0) return true
  const running = new Set(now.inProgress)
  return earlier.every((x) => !running.has(x))
}
