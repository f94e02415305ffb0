/**
 * Text Postgres can store. Postgres refuses a NUL (U+0000) in `text` and in `jsonb` (SQLSTATE
 * 22021, 22P05), and a lone UTF-16 surrogate — half of a pair, which a JS string may hold — in
 * `jsonb` (22P02; in a `text` parameter the driver silently turns it into U+FFFD). Strings from
 * workers and publishers can hold either, so the coordinator rewrites them once, where events
 * become rows, instead of failing the batch that carries them.
 *
 * The escape: each such code unit becomes the six characters `\uXXXX` (lower-case hex) — a NUL
 * reads `\u0000`, a lone high surrogate `\ud800` — so a reader sees where it was. It is lossy
 * only in that a text that already held those six characters reads the same, and in that two
 * object keys may then read the same (the later one is kept). Everything else is unchanged.
 */

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** What `pgSafeText` escapes: a NUL or a lone surrogate. */
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE.source}`, 'g')

// The check is `includes` plus the native `String.prototype.isWellFormed` (Node 20+, not in the
// ES2023 lib). Measured 2026-12-02 (Node 20, one core): a task event with a 64 KiB stdout takes
// 5-12 µs; a 160 KB output of 2,000 objects and 10,000 strings 1.3-1.4 ms, ASCII or emoji alike
// (the walk dominates), where JSON.stringify of it, which the write does anyway, takes 1.8-2.1 ms.
// A regex-only check made the emoji case 3.1 ms.
const wellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed
const isWellFormed: (text: string) => boolean = wellFormed ? (text) => wellFormed.call(text) : (text) => !LONE_SURROGATE.test(text)

function escapeUnit(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** `text` with every NUL and lone surrogate escaped as `\uXXXX`; `text` itself when it has none. */
export function pgSafeText(text: string): string {
  return text.includes('\u0000') || !isWellFormed(text) ? text.replace(UNSTORABLE, escapeUnit) : text
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // `target[key] = …` with key `__proto__` would set the prototype, not a property.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function rewrite(value: unknown): unknown {
  if (typeof value === 'string') return pgSafeText(value)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const safe = rewrite(item)
      if (copy === undefined && safe !== item) copy = value.slice(0, i)
      copy?.push(safe)
    }
    return copy ?? value
  }
  // Dates, buffers and other class instances serialise as they choose: left alone.
  if (!isPlainObject(value)) return value
  const keys = Object.keys(value)
  let copy: Record<string, unknown> | undefined
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const item = value[key]
    const safeKey = pgSafeText(key)
    const safe = rewrite(item)
    if (copy === undefined && (safeKey !== key || safe !== item)) {
      copy = {}
      for (const k of keys.slice(0, i)) setOwn(copy, k, value[k])
    }
    if (copy !== undefined) setOwn(copy, safeKey, safe)
  }
  return copy ?? value
}

/**
 * A JSON value (string, array, plain object, any depth) with every string and object key made
 * storable by `pgSafeText`. Copy on write: a value with nothing to escape is returned as it is,
 * and only the arrays and objects on the way to a rewritten string are copied; the input is
 * never modified. Like `JSON.stringify`, it throws a `RangeError` for a value nested deeper than
 * the stack allows.
 */
export function pgSafeJson<T>(value: T): T {
  return rewrite(value) as T
}
