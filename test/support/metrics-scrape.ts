import assert from 'node:assert/strict'

/** One sample of the Prometheus text format: `name{labels} value`. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A scrape of a `/metrics` endpoint. */
export interface Scrape {
  readonly samples: readonly Sample[]
  /** The sum of every series of `name` whose labels include `match` (0 when there is none). */
  get(name: string, match?: Record<string, string>): number
  /** Whether a series of `name` whose labels include `match` exists. */
  has(name: string, match?: Record<string, string>): boolean
}

/** Parses the Prometheus text exposition format (one sample a line, `#` lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(m, `unparsable metrics line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) })
  }
  return out
}

/** GETs `url` (a `/metrics` endpoint), which must answer 200, and parses it. */
export async function scrapeMetrics(url: string): Promise<Scrape> {
  const res = await fetch(url)
  assert.equal(res.status, 200)
  const samples = parseMetrics(await res.text())
  const matching = (name: string, match: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
  return {
    samples,
    get: (name, match = {}) => matching(name, match).reduce((n, s) => n + s.value, 0),
    has: (name, match = {}) => matching(name, match).length > 0,
  }
}
