/**
 * Dead letters (messages the coordinator refused): the text filters of the page and a payload's
 * preview. Payloads may be anything — malformed JSON, a NUL byte, a 1 MiB blob — so a preview
 * never assumes JSON and never shows more than a line.
 */

/** One dead letter of GET /dead-letters. */
export interface DeadLetter {
  id: string
  subject: string
  reason: string
  count: number
  receivedAt: string
  lastAt: string
  msgId: string | null
  payload: string
}

/** What the page's text filters keep: substrings of the subject and of the reason. */
export interface DeadLetterFilter {
  subject: string
  reason: string
}

/** The dead letters whose subject and reason contain the typed text (case-insensitive). */
export function filterDeadLetters(items: readonly DeadLetter[], f: DeadLetterFilter): DeadLetter[] {
  const subject = f.subject.trim().toLowerCase()
  const reason = f.reason.trim().toLowerCase()
  return items.filter((d) => (!subject || d.subject.toLowerCase().includes(subject)) && (!reason || d.reason.toLowerCase().includes(reason)))
}

/** The first `max` characters of a payload on one line, control characters shown as `·`. */
export function payloadLine(payload: string, max = 120): string {
  const line = payload.slice(0, max + 1).replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '·')
  return line.length > max ? `${line.slice(0, max)}…` : line
}

/** A payload indented as JSON when it parses, else as it came; `json` says which. */
export function payloadPretty(payload: string): { text: string; json: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(payload), null, 2), json: true }
  } catch {
    return { text: payload, json: false }
  }
}

/** The windows the "since" filter offers, in the URL as their key. */
export const SINCE_WINDOWS: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'last hour', ms: 3_600_000 },
  '24h': { label: 'last 24 hours', ms: 86_400_000 },
  '7d': { label: 'last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'last 30 days', ms: 30 * 86_400_000 },
}

/** The ISO time a window key starts at, from `now` (undefined for "any time" or an unknown key). */
export function sinceOf(window: string, now: number): string | undefined {
  const w = SINCE_WINDOWS[window]
  return w ? new Date(now - w.ms).toISOString() : undefined
}
