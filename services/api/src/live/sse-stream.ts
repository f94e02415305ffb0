import type { ServerResponse } from 'node:http'
import { toError, type Db, type Logger } from '@baton/shared'
import { compareAlertPart, covers, formatPosition, furthest, type StreamPosition } from './event-cursor.js'
import type { HistoryTail, LiveSink } from './history-tail.js'
import { alertEvent, sseFrame, transitionEvent, type LiveEvent, type LiveEventType } from './live-events.js'
import { readAlertVersions, readHistoryRange, type RangeFilter } from './live-queries.js'

/** Limits of one client's stream. */
export interface SseStreamLimits {
  /** Bytes waiting to be sent past which a live client is dropped (asked to reconnect). */
  readonly maxBufferBytes: number
  /** History rows per catch-up read. */
  readonly catchUpPage: number
}

/** What a stream reads and writes with. */
export interface SseStreamDeps {
  readonly db: Db
  readonly tail: HistoryTail
  readonly log: Logger
}

/** How long a dropped client may take to read its final event before its socket is destroyed. */
const DROP_GRACE_MS = 10_000

/**
 * One client of GET /events. It first catches up from its own position to the tail's, reading
 * the range it missed from Postgres page by page and waiting for the socket to drain (a resumed
 * client after a long absence, or after an API restart); then, in the same synchronous step that
 * finds it level with the tail, it subscribes and from there on takes events from the tail.
 *
 * Live, the tail never waits for a client: each event is written to the socket at once. A client
 * that does not read piles bytes up in Node's buffer; past `maxBufferBytes` it is dropped with a
 * last `reconnect` event naming the position to resume from (also its `id:`), so a slow client
 * costs bounded memory and loses nothing.
 *
 * Its position covers every event it was given AND every event its filter passed over; the
 * heartbeat sends it as an `id:` without data (which moves the client's last event id without
 * dispatching an event), so a filtered client that reconnects does not re-read what it skipped.
 */
export class SseStream implements LiveSink {
  private position: StreamPosition
  private sentId: string
  private live = false
  private closed = false
  private unsubscribe: (() => void) | undefined
  private dropTimer: NodeJS.Timeout | undefined
  private readonly onClose: () => void

  constructor(
    private readonly res: ServerResponse,
    private readonly matches: (e: LiveEvent) => boolean,
    private readonly types: ReadonlySet<LiveEventType>,
    private readonly range: RangeFilter,
    start: StreamPosition,
    private readonly deps: SseStreamDeps,
    private readonly limits: SseStreamLimits,
    onClose: () => void,
  ) {
    this.position = start
    this.sentId = ''
    this.onClose = onClose
    res.once('close', () => this.close())
    // A write racing the client's disconnect fails here rather than as an uncaught error.
    res.on('error', () => this.close())
  }

  /** Writes the status line and headers, the reconnect delay and the starting position. */
  open(headers: Record<string, string | number | string[]>, retryMs: number): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx) must pass events through as they come.
      'x-accel-buffering': 'no',
    })
    this.sentId = formatPosition(this.position)
    this.res.write(`: baton live updates\nretry: ${retryMs}\nid: ${this.sentId}\n\n`)
  }

  /** Catches up to the tail, then subscribes; resolves when live (or closed). */
  async run(): Promise<void> {
    const wantHistory = this.types.has('run') || this.types.has('task')
    const wantAlerts = this.types.has('alert')
    try {
      for (;;) {
        if (this.closed) return
        const target = this.deps.tail.position()
        if (!wantHistory && this.position.history < target.history) this.position = { ...this.position, history: target.history }
        if (!wantAlerts && compareAlertPart(this.position, target) < 0) this.position = { ...this.position, alertXid: target.alertXid, alertId: 0 }
        if (covers(this.position, target)) {
          this.live = true
          this.unsubscribe = this.deps.tail.subscribe(this)
          return
        }
        if (this.position.history < target.history) await this.catchUpHistory(target.history)
        else await this.catchUpAlerts(target.alertXid)
      }
    } catch (e) {
      this.deps.log.warn({ err: toError(e) }, 'live updates: catching a client up failed; closing its stream (it resumes on reconnect)')
      this.end()
    }
  }

  private async catchUpHistory(upTo: number): Promise<void> {
    const rows = await readHistoryRange(this.deps.db, this.position.history, upTo, this.limits.catchUpPage, this.range)
    for (const row of rows) {
      if (this.closed) return
      const at = { ...this.position, history: row.id }
      const event = transitionEvent(row)
      if (event && this.matches(event)) await this.writeAndWait(sseFrame(event, at), at)
      this.position = at
    }
    if (rows.length < this.limits.catchUpPage) this.position = { ...this.position, history: upTo }
  }

  private async catchUpAlerts(below: number): Promise<void> {
    const { rows } = await readAlertVersions(this.deps.db, { xid: this.position.alertXid, id: this.position.alertId }, below)
    for (const row of rows) {
      if (this.closed) return
      const at = { ...this.position, alertXid: row.xid, alertId: row.id }
      const event = alertEvent(row)
      if (this.matches(event)) await this.writeAndWait(sseFrame(event, at), at)
      this.position = at
    }
    this.position = { ...this.position, alertXid: below, alertId: 0 }
  }

  deliver(event: LiveEvent, position: StreamPosition, frame: string): void {
    if (!this.live || this.closed || covers(this.position, position)) return
    // Level with the tail (the usual case) the tail's frame is this client's; a client that came
    // from a replica further along in the other source keeps its own position in the id.
    const level = covers(position, this.position)
    const at = level ? position : furthest(this.position, position)
    if (this.matches(event)) {
      if (!this.fits()) return this.drop()
      this.res.write(level ? frame : sseFrame(event, at))
      this.sentId = formatPosition(at)
    }
    this.position = at
  }

  advanceTo(position: StreamPosition): void {
    if (this.live && !this.closed) this.position = furthest(this.position, position)
  }

  /** A comment line, and the position as an `id:` when it moved past the last event sent. */
  heartbeat(): void {
    if (this.closed) return
    if (!this.fits()) return this.drop()
    const id = formatPosition(this.position)
    const moved = this.live && id !== this.sentId
    this.res.write(moved ? `: heartbeat\n\nid: ${id}\n\n` : ': heartbeat\n\n')
    if (moved) this.sentId = id
  }

  /** Ends the stream (server closing, client gone, a failure): the client resumes on reconnect. */
  end(): void {
    if (this.closed) return
    this.close()
    this.res.end()
  }

  private fits(): boolean {
    return this.res.writableLength <= this.limits.maxBufferBytes
  }

  /** When the stream was opened (for its maximum lifetime). */
  readonly openedAt = Date.now()

  /**
   * The stream reached its maximum lifetime: a last event says where to resume, then it ends. The
   * client reconnects and authenticates again — a revoked or expired token stops there.
   */
  expire(): void {
    if (this.closed) return
    const id = formatPosition(this.position)
    this.close()
    this.res.end(`event: reconnect\nid: ${id}\ndata: ${JSON.stringify({ reason: 'the stream reached its maximum lifetime; reconnect (and authenticate) to go on', lastEventId: id })}\n\n`)
  }

  /** Too slow a client: a last event says where to resume, then the connection ends. */
  private drop(): void {
    const id = formatPosition(this.position)
    this.deps.log.warn({ bufferedBytes: this.res.writableLength, position: id }, 'live updates: a client does not keep up; dropping it (it resumes from its last event id)')
    this.close()
    this.res.end(`event: reconnect\nid: ${id}\ndata: ${JSON.stringify({ reason: 'the client did not keep up with the stream', lastEventId: id })}\n\n`)
    this.dropTimer = setTimeout(() => this.res.destroy(), DROP_GRACE_MS)
    this.res.once('close', () => clearTimeout(this.dropTimer))
  }

  private async writeAndWait(frame: string, at: StreamPosition): Promise<void> {
    const flowing = this.res.write(frame)
    this.sentId = formatPosition(at)
    if (flowing || this.closed) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done)
        this.res.off('close', done)
        resolve()
      }
      this.res.once('drain', done)
      this.res.once('close', done)
    })
  }

  private close(): void {
    if (this.closed) return
    this.closed = true
    this.unsubscribe?.()
    this.onClose()
  }
}

/**
 * Every open stream of one server: heartbeats (one timer for all) and ending them all when the
 * server closes.
 */
export class SseStreams {
  private readonly streams = new Set<SseStream>()
  private timer: NodeJS.Timeout | undefined

  /** `maxLifetimeMs`: a stream older than this is ended (at a heartbeat) and its client reconnects. */
  constructor(
    private readonly heartbeatMs: number,
    private readonly maxLifetimeMs: number = Infinity,
  ) {}

  add(stream: SseStream): void {
    this.streams.add(stream)
    this.timer ??= setInterval(() => {
      const now = Date.now()
      for (const s of [...this.streams]) {
        if (now - s.openedAt >= this.maxLifetimeMs) s.expire()
        else s.heartbeat()
      }
    }, this.heartbeatMs)
  }

  remove(stream: SseStream): void {
    this.streams.delete(stream)
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }

  /** Ends every stream (their clients reconnect elsewhere, or to this server once it is back). */
  endAll(): void {
    for (const s of [...this.streams]) s.end()
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  get size(): number {
    return this.streams.size
  }
}
