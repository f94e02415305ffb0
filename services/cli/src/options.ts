import { ValidationError } from '@baton/shared'

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
