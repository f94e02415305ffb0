import { batonMetrics, CrashPoint, crashPoint, toError, type Db, type Logger } from '@baton/shared'
import { claimDueDeliveries, markDelivered, markDeliveryFailed, type DueDelivery } from '../db/alert-deliveries.js'
import type { AlertRoutes } from './alert-routes.js'
import { renderDelivery, type AlertLinks } from './alert-payloads.js'

/** Longest wait between two tries of one delivery. */
const MAX_BACKOFF_MS = 5 * 60_000

/** Longest wait for a receiver's answer; no answer by then is a failed try (retried with backoff). */
export const SEND_TIMEOUT_MS = 10_000

/**
 * How long a claimed delivery belongs to the job that claimed it. The job's work on one delivery
 * is bounded: the last log lines (LAST_LOG_LINES_TIMEOUT_MS, 2 s) + the send (SEND_TIMEOUT_MS,
 * 10 s) + the record statement, which may wait for a pool connection (connectionTimeoutMillis,
 * 10 s) — 22 s when everything is at its worst at once, about 10 s when only a receiver hangs.
 * 30 s covers that with room for event-loop stalls (leases use the database clock: no clock
 * skew to allow for). Running out is not a correctness problem — another job sends again, and
 * the late result is not recorded — but costs a duplicate. The price of a long lease: a
 * coordinator that dies holding one leaves that delivery unsent (or, past the receiver's answer,
 * unrecorded and sent again) until the lease runs out.
 */
export const DELIVERY_LEASE_MS = 30_000

/**
 * Sends in flight per coordinator. Each holds a socket, never a database connection; below the
 * pool size (8) so even the record statements of all lanes at once leave connections for
 * transitions. A hung receiver holds at most this many lanes for SEND_TIMEOUT_MS.
 */
const DELIVERY_CONCURRENCY = 4

/** Deliveries claimed in one tick before yielding (the job ticks again at once when more are due). */
const MAX_PER_TICK = 50

/** Options of `deliverAlerts`. */
export interface DeliverAlertsOptions {
  /** How long a claimed delivery is this job's alone (default DELIVERY_LEASE_MS; tests shorten it). */
  readonly leaseMs?: number
}

/**
 * Sends due alert deliveries: claim → send → record, with no transaction open while waiting on
 * the network. A short statement claims due deliveries with a lease (coordinators share the
 * work; see `claimDueDeliveries`); the last log lines are read and the receivers called outside
 * any transaction, DELIVERY_CONCURRENCY at a time, each lane claiming its next delivery when it
 * is free; each result is recorded by one statement that applies only while this job's lease
 * holds, so a job whose lease expired (and whose delivery another job claimed) changes nothing.
 * A delivery is retried with exponential backoff until the receiver accepts it (2xx), so an alert
 * is never lost while a receiver is down; once recorded as delivered it is never sent again. A
 * crash between the receiver's answer and the record repeats one send once the lease expires
 * (at-least-once); PagerDuty's dedup_key absorbs it. Returns true when more may be due.
 */
export async function deliverAlerts(
  db: Db,
  routes: AlertRoutes,
  links: AlertLinks,
  log: Logger,
  now: Date = new Date(),
  lastLogLines?: (runId: string, taskId: string, attempt: number) => Promise<string[]>,
  options: DeliverAlertsOptions = {},
): Promise<boolean> {
  const leaseMs = options.leaseMs ?? DELIVERY_LEASE_MS
  // `now` is the tick's start; later steps (claims by freed lanes, records) are that plus the time spent.
  const started = performance.now()
  const clock = () => new Date(now.getTime() + (performance.now() - started))
  let budget = MAX_PER_TICK
  let drained = false
  const claim = async (n: number): Promise<DueDelivery[]> => {
    const rows = await claimDueDeliveries(db, clock(), n, leaseMs)
    budget -= rows.length
    if (rows.length < n) drained = true
    return rows
  }

  const deliverOne = async (row: DueDelivery): Promise<void> => {
    const d = (row.details ?? {}) as { task?: string; attempt?: number; lastLines?: string[] }
    if (lastLogLines && row.run_id && d.task && d.attempt && !d.lastLines?.length) {
      row.details = { ...d, lastLines: await lastLogLines(row.run_id, d.task, d.attempt) }
    }
    const error = await send(routes, links, row)
    batonMetrics().alertDeliveries.add({ channel: row.channel, outcome: error === undefined ? 'delivered' : 'failed' })
    const at = clock()
    let recorded: boolean
    if (error === undefined) {
      crashPoint(CrashPoint.alertAfterSend)
      recorded = await markDelivered(db, row.delivery_id, row.leased_until, row.attempts + 1, at)
    } else {
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts)
      if (row.attempts === 0) log.warn({ channel: row.channel, alert: row.id, error }, 'alert delivery failed; retrying with backoff')
      recorded = await markDeliveryFailed(db, row.delivery_id, row.leased_until, row.attempts + 1, error, new Date(at.getTime() + delay))
    }
    if (!recorded) {
      log.warn({ channel: row.channel, alert: row.id, delivery: row.delivery_id, delivered: error === undefined }, 'alert delivery lease expired before its result was recorded; the job holding it now records it')
    }
  }

  const lane = async (first: DueDelivery): Promise<void> => {
    let row: DueDelivery | undefined = first
    while (row) {
      await deliverOne(row)
      row = drained || budget <= 0 ? undefined : (await claim(1))[0]
    }
  }

  // Every lane ends before the tick does (the next tick must not add lanes to running ones).
  const results = await Promise.allSettled((await claim(Math.min(DELIVERY_CONCURRENCY, budget))).map(lane))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return !drained
}

/** POSTs one delivery; undefined when the receiver accepted it (2xx), else the error. */
async function send(routes: AlertRoutes, links: AlertLinks, row: DueDelivery): Promise<string | undefined> {
  const channel = routes.channels[row.channel]
  if (!channel) return `channel '${row.channel}' is not configured`
  const req = renderDelivery(channel, row, row.action, links)
  try {
    const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: JSON.stringify(req.body), signal: AbortSignal.timeout(SEND_TIMEOUT_MS) })
    await res.body?.cancel().catch(() => {})
    return res.ok ? undefined : `HTTP ${res.status}`
  } catch (e: unknown) {
    // A timeout, a refused connection, a DNS failure: a failed try like any other.
    return toError(e).message
  }
}
