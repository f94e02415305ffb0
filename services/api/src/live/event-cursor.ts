/**
 * Positions in the live stream, which are the SSE event ids (docs/api.md, "Live updates (SSE)"). A
 * position says what a client has already been given, in the two sources the stream merges:
 *
 * - `history`: the last `history.id` passed (every run and task transition is one history row,
 *   so a task or run event's position carries its own history id);
 * - `alerts`: alerts are rows that change in place (fire, fold repeats, resolve, expire), so
 *   their changes are ordered by the transaction that wrote each version of a row: `alertXid`
 *   is a transaction id (xid8) and `alertId` an alert id, and the pair says "every alert version
 *   written by a transaction below `alertXid`, and those of `alertXid` itself up to alert
 *   `alertId`, were given" (`alertId` 0: none of `alertXid`'s).
 *
 * Text form: `<history>-<alertXid>-<alertId>`, e.g. `1042-88120-0`. A bare `<history>` is
 * accepted too (resume history from there, alerts from now). Positions mean the same to every
 * replica of the API and survive a restart: they name committed rows and transactions, nothing
 * held in memory.
 */
export interface StreamPosition {
  readonly history: number
  readonly alertXid: number
  readonly alertId: number
}

const POSITION = /^(\d{1,15})(?:-(\d{1,15})-(\d{1,15}))?$/

/** The text of a position (an SSE `id:`). */
export function formatPosition(p: StreamPosition): string {
  return `${p.history}-${p.alertXid}-${p.alertId}`
}

/**
 * Parses `Last-Event-ID`: a full position, or `{ history, alerts: null }` for a bare history
 * id; undefined when it is neither.
 */
export function parsePosition(text: string): { history: number; alerts: { xid: number; id: number } | null } | undefined {
  const m = POSITION.exec(text.trim())
  if (!m) return undefined
  return { history: Number(m[1]), alerts: m[2] === undefined ? null : { xid: Number(m[2]), id: Number(m[3]) } }
}

/** The pattern of a position, for request validation. */
export const POSITION_PATTERN = POSITION

/** Compares the alert parts of two positions (negative: `a` is earlier). */
export function compareAlertPart(a: { alertXid: number; alertId: number }, b: { alertXid: number; alertId: number }): number {
  return a.alertXid - b.alertXid || a.alertId - b.alertId
}

/** Whether `p` has given everything `q` has (in both sources). */
export function covers(p: StreamPosition, q: StreamPosition): boolean {
  return p.history >= q.history && compareAlertPart(p, q) >= 0
}

/** The later of two positions in each source. */
export function furthest(p: StreamPosition, q: StreamPosition): StreamPosition {
  const alerts = compareAlertPart(p, q) >= 0 ? p : q
  return { history: Math.max(p.history, q.history), alertXid: alerts.alertXid, alertId: alerts.alertId }
}
