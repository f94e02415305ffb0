import { ValidationError } from './errors.js'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y

/**
 * Parses a duration such as `500ms`, `30s`, `10m`, `1h30m` or `2d` into milliseconds.
 * A number is taken as milliseconds. Throws a ValidationError quoting the text otherwise.
 */
export function parseDuration(input: string | number, path = 'duration'): number {
  if (typeof input === 'number') {
    // Milliseconds are whole: the wire protocol carries integers.
    if (Number.isFinite(input) && input >= 0) return Math.round(input)
    throw new ValidationError([{ path, reason: `invalid duration ${JSON.stringify(input)}: must be a non-negative number of milliseconds` }])
  }
  const text = input.trim()
  let total = 0
  PART.lastIndex = 0
  let matched = 0
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text)
    if (!m) break
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
    matched = PART.lastIndex
  }
  if (text.length === 0 || matched !== text.length) {
    throw new ValidationError([{ path, reason: `invalid duration "${input}": expected e.g. "500ms", "30s", "10m", "1h30m"` }])
  }
  return Math.round(total)
}

/** Formats milliseconds for humans: `850ms`, `12.3s`, `4m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return `${m}m${String(s).padStart(2, '0')}s`
}
