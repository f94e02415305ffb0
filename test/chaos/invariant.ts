/**
 * The result of one invariant: how many things it checked, and the first few that broke it (with
 * enough evidence — ids, statuses, history rows — to start a diagnosis from the output alone).
 */
export interface InvariantResult {
  readonly type: 'invariant'
  readonly name: string
  readonly pass: boolean
  readonly checked: number
  readonly failures: number
  readonly examples: readonly unknown[]
}

/** Most examples printed per invariant. */
const MAX_EXAMPLES = 8

/** Builds a result from what was checked and what failed. */
export function invariant(name: string, checked: number, failures: readonly unknown[]): InvariantResult {
  return { type: 'invariant', name, pass: failures.length === 0, checked, failures: failures.length, examples: failures.slice(0, MAX_EXAMPLES) }
}

/** Groups items by a key. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const i of items) {
    const k = key(i)
    const list = m.get(k)
    if (list) list.push(i)
    else m.set(k, [i])
  }
  return m
}
