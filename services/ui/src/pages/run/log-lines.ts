/**
 * A task's log lines as the log view keeps them (no React): stored pages (GET …/logs) and live
 * batches (SSE `event: log` of …/logs/live) become one list, oldest first, without duplicates,
 * and bounded so a chatty task cannot exhaust the browser.
 */

/** One log line. `key` is unique in a task's log (stream sequence + position in its batch). */
export interface LogLine {
  key: string
  seq: number
  attempt: number
  ts: string
  level: string
  stream: string
  msg: string
  fields: Record<string, unknown>
}

/** The most lines the view holds; older ones are dropped (and the view says so). */
export const MAX_LOG_LINES = 10_000

/** A stored page's items (they carry their batch's `seq`; lines of one batch share it). */
export function linesFromPage(items: readonly { seq: number; attempt: number; ts: string; level: string; stream: string; msg: string; fields: Record<string, unknown> }[]): LogLine[] {
  const index = new Map<number, number>()
  return items.map((it) => {
    const i = index.get(it.seq) ?? 0
    index.set(it.seq, i + 1)
    return { key: `${it.seq}:${i}`, seq: it.seq, attempt: it.attempt, ts: it.ts, level: it.level, stream: it.stream, msg: it.msg, fields: it.fields ?? {} }
  })
}

/** A live batch (`{ seq, attempt, records: [{ ts, level, stream, msg, …fields }] }`); malformed records are skipped. */
export function linesFromBatch(batch: unknown): LogLine[] {
  const b = batch as { seq?: unknown; attempt?: unknown; records?: unknown }
  if (typeof b?.seq !== 'number' || !Array.isArray(b.records)) return []
  const seq = b.seq
  const attempt = typeof b.attempt === 'number' ? b.attempt : 0
  const out: LogLine[] = []
  b.records.forEach((r: unknown, i) => {
    if (!r || typeof r !== 'object') return
    const { ts, level, stream, msg, ...fields } = r as Record<string, unknown>
    out.push({ key: `${seq}:${i}`, seq, attempt, ts: String(ts ?? ''), level: String(level ?? 'info'), stream: String(stream ?? 'log'), msg: typeof msg === 'string' ? msg : JSON.stringify(msg ?? ''), fields })
  })
  return out
}

/**
 * `lines` followed by the `added` ones it does not hold yet (by key), in sequence order, keeping
 * the last `max`. Returns how many old lines were dropped to stay within it.
 */
export function appendLines(lines: readonly LogLine[], added: readonly LogLine[], max = MAX_LOG_LINES): { lines: LogLine[]; dropped: number } {
  const lastSeq = lines.at(-1)?.seq ?? -1
  const keys = new Set<string>()
  // Only the tail can overlap (a page and the live stream meet at a batch boundary).
  for (let i = lines.length - 1; i >= 0 && lines[i]!.seq >= (added[0]?.seq ?? Infinity); i--) keys.add(lines[i]!.key)
  const fresh = added.filter((l) => !keys.has(l.key) && (l.seq >= lastSeq || !lines.length))
  if (!fresh.length) return { lines: lines as LogLine[], dropped: 0 }
  const all = [...lines, ...fresh]
  const dropped = Math.max(0, all.length - max)
  return { lines: dropped ? all.slice(dropped) : all, dropped }
}

/** Structured fields as a short `key=value` text after the message. */
export function fieldsText(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
}
