import { AsyncLocalStorage } from 'node:async_hooks'
import { attemptSpanId, parseTraceparent, runSpanId, traceIdForRun, tracingEnabled, withSpan, type Db, type SpanAttributes } from '@baton/shared'
import { applyBatch, type ApplyContext, type BatchInput, type BatchOutcome, type TimerItem } from '../apply/apply-batch.js'
import type { OutboxMessage } from '../db/outbox.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { recordEnded } from './run-trace.js'

/**
 * Live spans around the coordinator's shell — a batch of events or timers, its transaction,
 * the outbox publish — and the hand-off of what a transaction ended to the run's trace.
 * The consumer and the timer poller call these instead of `applyBatch` and `publish`; the
 * state machine and the apply code know nothing of tracing. With tracing off each wrapper is
 * one boolean check and a direct call.
 */

/** Most links a batch span carries (one per distinct trace among its inputs). */
const MAX_LINKS = 64

/** Transitions counted across the transactions of one batch (a failed batch is retried per run). */
const batchTotals = new AsyncLocalStorage<{ transitions: number }>()

/**
 * Runs `fn` as the span of one batch. `traceparents` (computed only while tracing) are those
 * of the batch's inputs: when they all belong to one trace the batch span joins it as a child
 * (the usual case: a single event, whose header names the worker's handler span), else it
 * starts its own trace with a link to each.
 */
export function withBatchSpan<T>(name: string, inputs: number, traceparents: () => readonly (string | undefined)[], fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn()
  const valid = traceparents().filter((tp): tp is string => tp !== undefined && parseTraceparent(tp) !== undefined)
  const byTrace = new Map<string, string>()
  for (const tp of valid) if (!byTrace.has(parseTraceparent(tp)!.traceId)) byTrace.set(parseTraceparent(tp)!.traceId, tp)
  const related = [...byTrace.values()]
  const options = related.length === 1 ? { parent: related[0]! } : { links: related.slice(0, MAX_LINKS) }
  const attributes: SpanAttributes = { 'baton.messages': inputs, 'messaging.system': 'nats', 'messaging.batch.message_count': inputs }
  return withSpan(name, { kind: 'consumer', attributes, ...options }, (span) => {
    const totals = { transitions: 0 }
    return batchTotals.run(totals, async () => {
      try {
        return await fn()
      } finally {
        span.setAttribute('baton.transitions', totals.transitions)
      }
    })
  })
}

/** The `traceparent` a due timer belongs to: its attempt's span, or the run's for run-level timers. */
export function timerTraceparent(t: Pick<TimerItem, 'runId' | 'taskId' | 'attempt'>): string {
  return `00-${traceIdForRun(t.runId)}-${t.attempt > 0 ? attemptSpanId(t.runId, t.taskId, t.attempt) : runSpanId(t.runId)}-01`
}

/**
 * `applyBatch` in a `baton.transaction` span; after commit, hands what the batch ended (attempts,
 * runs) to the run's trace.
 */
export async function tracedApplyBatch(db: Db, input: BatchInput, ctx: ApplyContext): Promise<BatchOutcome> {
  if (!tracingEnabled()) return applyBatch(db, input, ctx)
  const outcome = await withSpan('baton.transaction', { attributes: { 'db.system': 'postgresql' } }, async (span) => {
    const o = await applyBatch(db, input, ctx)
    span.setAttribute('baton.transitions', o.transitions)
    span.setAttribute('baton.outbox', o.outbox.length)
    // A request starts a run whose trace is its own (its id is the run's): link to it.
    for (const runId of [...new Set(o.runIds.values())].slice(0, MAX_LINKS)) {
      span.addLink({ context: { traceId: traceIdForRun(runId), spanId: runSpanId(runId), traceFlags: 1 } })
    }
    return o
  })
  const totals = batchTotals.getStore()
  if (totals) totals.transitions += outcome.transitions
  recordEnded(db, outcome.ended)
  return outcome
}

/** `OutboxPublisher.publish` of freshly committed rows in a `baton.publish` span. */
export function tracedPublish(publisher: OutboxPublisher, rows: readonly (OutboxMessage & { id: number })[]): Promise<void> {
  if (!tracingEnabled() || rows.length === 0) return publisher.publish(rows)
  return withSpan('baton.publish', { kind: 'producer', attributes: { 'baton.messages': rows.length, 'messaging.system': 'nats' } }, () => publisher.publish(rows))
}
