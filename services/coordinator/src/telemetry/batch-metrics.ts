import { batonMetrics, metricsEnabled, type DeadLetterKind, type JsMsg } from '@baton/shared'
import type { BatchOutcome } from '../apply/apply-batch.js'
import type { ParsedMessage } from '../consume/parse-message.js'

/**
 * The coordinator's metrics of committed batches: every shell that applies a batch (event
 * consumer, timer poller, cron scheduler, admission) calls one of these after commit and
 * publish. One boolean check when no metrics endpoint is served.
 */

/** Records what a committed batch did: runs started and finished, transitions, attempts, dead letters. */
export function recordBatch(outcome: Pick<BatchOutcome, 'stats'>): void {
  if (!metricsEnabled()) return
  recordStats(outcome.stats())
}

/**
 * Records a batch of consumed events: the batch size, what it did, and the hand-off latency of
 * each command a task's completion caused — from the completion event's JetStream timestamp to
 * the command's publish confirmation (`publishedAtMs`, taken after the outbox was published).
 */
export function recordEventBatch(outcome: Pick<BatchOutcome, 'stats'>, messages: readonly { msg: JsMsg; parsed: ParsedMessage }[], publishedAtMs: number): void {
  if (!metricsEnabled()) return
  const m = batonMetrics()
  const stats = outcome.stats()
  recordStats(stats)
  m.eventBatchSize.record({}, messages.length)
  if (stats.dispatchedBy.length === 0) return
  const completedAt = new Map<string, number>()
  for (const { msg, parsed } of messages) {
    if (parsed.kind !== 'run-event' || (parsed.event.type !== 'task.succeeded' && parsed.event.type !== 'task.failed')) continue
    completedAt.set(parsed.eventId, Number(msg.info.timestampNanos) / 1e6)
  }
  for (const d of stats.dispatchedBy) {
    const at = completedAt.get(d.eventId)
    if (at !== undefined) m.handoffLatency.record({ queue: d.queue }, Math.max(0, publishedAtMs - at) / 1000)
  }
}

/** Records messages dead-lettered outside a batch (a message that failed to apply too often). */
export function recordDeadLetters(kind: DeadLetterKind, count: number): void {
  if (count > 0) batonMetrics().deadLetters.add({ reason_kind: kind }, count)
}

function recordStats(s: ReturnType<BatchOutcome['stats']>): void {
  const m = batonMetrics()
  for (const r of s.runsStarted) m.runsStarted.add(r)
  for (const r of s.runsFinished) m.runsFinished.add(r)
  for (const t of s.taskTransitions) m.taskTransitions.add(t)
  for (const a of s.attemptsStarted) if (a.waitedMs !== null) m.scheduleToStart.record({ queue: a.queue }, Math.max(0, a.waitedMs) / 1000)
  for (const a of s.attemptsEnded) {
    m.taskAttempts.add({ workflow: a.workflow, queue: a.queue, outcome: a.outcome })
    if (a.ranMs !== null) m.taskDuration.record({ workflow: a.workflow, outcome: a.outcome }, Math.max(0, a.ranMs) / 1000)
  }
  for (const kind of s.deadLetters) m.deadLetters.add({ reason_kind: kind })
}
