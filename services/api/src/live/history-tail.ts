import { toError, UnavailableError, type Db, type Logger } from '@baton/shared'
import type { StreamPosition } from './event-cursor.js'
import { advanceHistory, startSettled, type HistoryTailState } from './history-gaps.js'
import { alertEvent, sseFrame, transitionEvent, type LiveEvent } from './live-events.js'
import { readAlertFingerprint, readAlertVersions, readHistoryAfter, readTailStart } from './live-queries.js'
import { listenForHistory, type NotifyListener } from './notify-listener.js'

/**
 * The one reader of committed history per API process (GET /events, docs/api.md, "Live updates (SSE)").
 * Clients never query Postgres for live events: the tail reads new history rows and alert
 * versions in batches and hands each event to every subscribed stream, which filters it.
 *
 * Wake-ups: coordinators `pg_notify` at the end of every batch that wrote history (in its
 * transaction, so the notification arrives after the commit), and the tail LISTENs on one
 * dedicated connection; it also polls every `pollIntervalMs` (alerts raised by periodic jobs
 * notify nobody) and every `fallbackPollMs` while the LISTEN connection is down.
 *
 * Order and completeness: history in id order with gaps held until settled (history-gaps.ts);
 * alerts by the transaction that wrote each version, only once every older transaction has
 * finished (the snapshot's `xmin` is the frontier: a version written below it can no longer
 * appear behind the tail). Positions (event-cursor.ts) name rows and transactions, so a client
 * resumes on any replica, after any restart.
 *
 * The tail starts with the first client and runs until the server closes.
 *
 * Figures (`make bench` → `test/bench/run.ts api`, 2-core dev machine, 2026-12-02, beside a
 * `SELECT 1` of p50 0.2 ms / p99 1.3 ms in the same run): commit → SSE client p50 4.6 ms, p99
 * 13.7 ms with LISTEN/NOTIFY (the COMMIT round trip itself p50 1.4 ms), against p50 107 ms /
 * p99 211 ms polling every 200 ms — why coordinators notify. A tail read with nothing new costs
 * 0.8 ms. The alert scan costs 1.5 / 6.5 / 73 ms at 1k / 10k / 100k alert
 * rows, the fingerprint in front of it 0.4 ms at any size — why the scan waits for the fingerprint.
 */

/** A scan for alert versions at least this often, whatever the fingerprint says (a safety net). */
const ALERT_RESCAN_MS = 60_000

/** Receives what the tail passes. Called synchronously, in order. */
export interface LiveSink {
  /** An event, with the tail's position after it and its SSE frame at that position. */
  deliver(event: LiveEvent, position: StreamPosition, frame: string): void
  /** The tail moved to `position` (after the events of a read, or past rows that are no events). */
  advanceTo(position: StreamPosition): void
}

/** The tail's timing; every field has a default (`LIVE_TAIL_DEFAULTS`). */
export interface HistoryTailOptions {
  /** Poll interval while LISTEN is up (alerts of periodic jobs, a missed notification). */
  readonly pollIntervalMs: number
  /** Poll interval while LISTEN is down or disabled. */
  readonly fallbackPollMs: number
  /** Re-read interval while held at a gap. */
  readonly gapRecheckMs: number
  /** See history-gaps.ts. */
  readonly gapGraceMs: number
  /** See history-gaps.ts. */
  readonly gapMaxHoldMs: number
  /** Alert versions are read at most this often (the read scans `alerts`). */
  readonly alertIntervalMs: number
  /** History rows per read. */
  readonly batchSize: number
  /** LISTEN for coordinators' notifications (false: poll only). */
  readonly listen: boolean
}

/** Defaults of the tail's timing. */
export const LIVE_TAIL_DEFAULTS: HistoryTailOptions = Object.freeze({
  pollIntervalMs: 1000,
  fallbackPollMs: 200,
  gapRecheckMs: 50,
  gapGraceMs: 100,
  gapMaxHoldMs: 60_000,
  alertIntervalMs: 250,
  batchSize: 1000,
  listen: true,
})

/** What the tail reads from. */
export interface HistoryTailDeps {
  readonly db: Db
  readonly databaseUrl: string
  readonly namespace: string
  readonly log: Logger
}

/** The shared tail. */
export interface HistoryTail {
  /** Starts the tail (first call) and resolves once its position is settled; rejects with UnavailableError when Postgres cannot be read. */
  ready(): Promise<void>
  /** Where the tail stands: every event up to here was handed to the subscribers of the time. */
  position(): StreamPosition
  /** Adds a sink (from the tail's current position on); returns its removal. */
  subscribe(sink: LiveSink): () => void
  /** Stops reading and listening; resolves when nothing is in flight. */
  stop(): Promise<void>
}

/** Creates the tail of one API process (nothing runs before the first `ready()`). */
export function createHistoryTail(deps: HistoryTailDeps, options: Partial<HistoryTailOptions> = {}): HistoryTail {
  return new PollingHistoryTail(deps, { ...LIVE_TAIL_DEFAULTS, ...options })
}

class PollingHistoryTail implements HistoryTail {
  private readonly sinks = new Set<LiveSink>()
  private state: HistoryTailState = { cursor: 0, gap: null }
  private alertFrontier = 0
  private lastAlertRead = 0
  private alertFingerprint: string | undefined
  private lastAlertScan = 0
  private alertsPending = false
  private starting: Promise<void> | undefined
  private loop: Promise<void> | undefined
  private listener: NotifyListener | undefined
  private stopped = false
  private settled = false
  private startedAt = 0
  private startDrain: readonly number[] | null = null
  private readonly waiters: { resolve: () => void; reject: (e: Error) => void }[] = []
  private woken = false
  private timer: NodeJS.Timeout | undefined
  private cutSleep: (() => void) | undefined
  private failures = 0

  constructor(
    private readonly deps: HistoryTailDeps,
    private readonly options: HistoryTailOptions,
  ) {}

  ready(): Promise<void> {
    if (this.stopped) return Promise.reject(new UnavailableError('the server is closing'))
    this.starting ??= this.start().catch((e: unknown) => {
      this.starting = undefined
      throw new UnavailableError('live updates: cannot read history from Postgres', { cause: toError(e) })
    })
    return this.starting.then(() => (this.settled ? undefined : new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))))
  }

  position(): StreamPosition {
    return { history: this.state.cursor, alertXid: this.alertFrontier, alertId: 0 }
  }

  subscribe(sink: LiveSink): () => void {
    this.sinks.add(sink)
    return () => this.sinks.delete(sink)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake()
    await this.starting?.catch(() => {})
    await this.loop
    await this.listener?.close()
    for (const w of this.waiters.splice(0)) w.reject(new UnavailableError('the server is closing'))
    this.sinks.clear()
  }

  private async start(): Promise<void> {
    const { snapshot, maxId } = await readTailStart(this.deps.db)
    this.state = { cursor: maxId, gap: null }
    this.alertFrontier = snapshot.xmin
    this.startedAt = Date.now()
    if (this.stopped) return
    if (this.options.listen) {
      this.listener = listenForHistory({
        databaseUrl: this.deps.databaseUrl,
        namespace: this.deps.namespace,
        applicationName: `baton-api-listen:${this.deps.namespace}`,
        onNotify: () => this.wake(),
        onConnected: () => this.wake(),
        log: this.deps.log,
      })
    }
    this.loop = this.run()
  }

  private wake(): void {
    this.woken = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.cutSleep?.()
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped || ms <= 0) {
      this.woken = false
      return new Promise((r) => setImmediate(r))
    }
    return new Promise<void>((resolve) => {
      this.cutSleep = () => {
        this.cutSleep = undefined
        resolve()
      }
      this.timer = setTimeout(() => this.cutSleep?.(), ms)
    }).then(() => {
      this.woken = false
    })
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let more = false
      try {
        more = await this.poll()
        this.failures = 0
      } catch (e) {
        this.failures++
        // A client waiting for the start answers 503 rather than hanging.
        if (!this.settled) for (const w of this.waiters.splice(0)) w.reject(new UnavailableError('live updates: cannot read history from Postgres', { cause: toError(e) }))
        if (this.failures === 1 || this.failures % 100 === 0) this.deps.log.warn({ err: toError(e), failures: this.failures }, 'live updates: reading history failed; retrying')
      }
      if (this.stopped) break
      const o = this.options
      const idle = this.listener?.connected ? o.pollIntervalMs : o.fallbackPollMs
      const delay = this.failures > 0 ? Math.min(5000, 100 * 2 ** Math.min(this.failures, 6)) : more ? 0 : this.state.gap !== null || !this.settled ? o.gapRecheckMs : idle
      await this.sleep(delay)
    }
  }

  /** One read of history (and of alerts when due); true when a full batch was read (read again now). */
  private async poll(): Promise<boolean> {
    const o = this.options
    const timing = { graceMs: o.gapGraceMs, maxHoldMs: o.gapMaxHoldMs }
    const { snapshot, rows } = await readHistoryAfter(this.deps.db, this.state.cursor, o.batchSize)
    if (this.stopped) return false
    const now = Date.now()
    const advance = advanceHistory(this.state, rows, snapshot, now, timing)
    const held = advance.state.gap
    if (held !== null && (held.firstMissing !== this.state.gap?.firstMissing || held.drain !== this.state.gap.drain)) this.deps.log.debug({ gap: advance.state.gap, inProgress: snapshot.inProgress }, 'live updates: held at a history gap')
    this.state = advance.state
    for (const s of advance.skipped) {
      if (s.why === 'timeout') this.deps.log.warn({ from: s.from, to: s.to, heldMs: o.gapMaxHoldMs }, 'live updates: history ids still missing after the longest hold; passed over (a transaction open that long would not be streamed)')
    }
    for (const row of advance.emit) {
      const event = transitionEvent(row)
      if (event) this.fanOut(event, { history: row.id, alertXid: this.alertFrontier, alertId: 0 })
    }
    if (advance.emit.length > 0 || advance.skipped.length > 0) this.advanceSinks()
    if (!this.settled) this.checkSettled(snapshot, now, timing)

    if (now - this.lastAlertRead >= o.alertIntervalMs) {
      this.lastAlertRead = now
      await this.pollAlerts()
    }
    return rows.length === o.batchSize && advance.emit.length > 0
  }

  /**
   * Alert versions below the frontier. The scan reads the whole `alerts` table, so it runs only
   * when the fingerprint (read before it) moved since the last scan, or that scan left versions
   * above its frontier: a change committed after the fingerprint was read moves the next one.
   */
  private async pollAlerts(): Promise<void> {
    const fingerprint = await readAlertFingerprint(this.deps.db)
    const now = Date.now()
    if (fingerprint === this.alertFingerprint && !this.alertsPending && now - this.lastAlertScan < ALERT_RESCAN_MS) return
    this.lastAlertScan = now
    const alerts = await readAlertVersions(this.deps.db, { xid: this.alertFrontier, id: 0 }, null)
    if (this.stopped) return
    this.alertFingerprint = fingerprint
    this.alertsPending = alerts.pending > 0
    for (const a of alerts.rows) this.fanOut(alertEvent(a), { history: this.state.cursor, alertXid: a.xid, alertId: a.id })
    const frontier = Math.max(this.alertFrontier, alerts.snapshot.xmin)
    if (frontier !== this.alertFrontier || alerts.rows.length > 0) {
      this.alertFrontier = frontier
      this.advanceSinks()
    }
  }

  private checkSettled(snapshot: Parameters<typeof startSettled>[2], now: number, timing: { graceMs: number; maxHoldMs: number }): void {
    const s = startSettled(this.startDrain, this.startedAt, snapshot, now, timing)
    this.startDrain = s.drain
    if (!s.settled) return
    if (s.timedOut) this.deps.log.warn({ heldMs: timing.maxHoldMs }, 'live updates: transactions open at start-up did not finish within the longest hold; starting anyway')
    this.settled = true
    for (const w of this.waiters.splice(0)) w.resolve()
  }

  private fanOut(event: LiveEvent, position: StreamPosition): void {
    if (this.sinks.size === 0) return
    const frame = sseFrame(event, position)
    for (const sink of this.sinks) {
      try {
        sink.deliver(event, position, frame)
      } catch (e) {
        this.deps.log.error({ err: toError(e) }, 'live updates: a stream failed to take an event')
      }
    }
  }

  private advanceSinks(): void {
    const position = this.position()
    for (const sink of this.sinks) sink.advanceTo(position)
  }
}
