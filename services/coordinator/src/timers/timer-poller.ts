import { CrashPoint, crashPoint, type Db, type Subjects } from '@baton/shared'
import type { ApplyContext } from '../apply/apply-batch.js'
import { dueTimers } from '../db/timers.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { timerTraceparent, tracedApplyBatch, tracedPublish, withBatchSpan } from '../telemetry/shell-spans.js'
import { recordBatch } from '../telemetry/batch-metrics.js'

/** Timers fired per transaction. */
const TIMER_BATCH = 500

/**
 * Fires due durable timers (retry backoff, heartbeat, execution and schedule-to-start
 * timeouts). Each tick peeks at due timers, then claims them under their runs' locks inside
 * `applyBatch`, so with several coordinators every timer fires exactly once. Timeouts that decide
 * an event did not arrive fire only up to `eventsAppliedUpTo` (EventConsumer.eventsAppliedUpTo).
 * Returns true when there may be more due timers (tick again at once).
 */
export async function fireDueTimers(
  db: Db,
  definitions: DefinitionCache,
  subjects: Subjects,
  publisher: OutboxPublisher,
  now: Date = new Date(),
  alerting?: ApplyContext['alerting'],
  eventsAppliedUpTo?: Date,
): Promise<boolean> {
  const due = await dueTimers(db, now, TIMER_BATCH, eventsAppliedUpTo)
  if (due.length === 0) return false
  let continued = 0
  await withBatchSpan('baton.timers', due.length, () => due.map(timerTraceparent), async () => {
    const outcome = await tracedApplyBatch(
      db,
      { timers: due.map((t) => ({ timerId: t.id, runId: t.runId, kind: t.kind, taskId: t.taskId, attempt: t.attempt, nextIndex: t.nextIndex ?? 0 })) },
      { definitions, subjects, now, ...(alerting ? { alerting } : {}), describe: () => ({ subject: 'timer', msgId: null, payload: '' }) },
    )
    crashPoint(CrashPoint.timersAfterClaim)
    await tracedPublish(publisher, outcome.outbox)
    recordBatch(outcome)
    continued = outcome.continued
  })
  // A fan-out chunk that left more behind: its continuation is due now.
  return due.length === TIMER_BATCH || continued > 0
}
