// Small number helpers of `make bench-peers`.

/** Nearest-rank percentile `p` (0-100) of an ascending array; NaN when empty. Same rule as `make bench`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Median of the finite values (mean of the middle two for an even count); NaN when none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = Math.floor(v.length / 2)
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
}

/** Rounds to 3 decimals for printing (JSON keeps NaN out: it becomes null). */
export function r3(n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null
}
