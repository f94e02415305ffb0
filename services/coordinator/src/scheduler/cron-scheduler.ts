import { CrashPoint, crashPoint, currentVersions, fireTimesToRun, missedFireTimes, nextFireTime, partitionFor, previousFireTime, readinessDeadline, type Db, type Subjects } from '@baton/shared'
import { expectPartition } from '../db/readiness.js'
import { advanceSchedule, claimDueSchedules } from '../db/schedules.js'
import { applyInTransaction, type RunRequestItem } from '../apply/apply-batch.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { recordBatch } from '../telemetry/batch-metrics.js'

/** With `catchup: 'none'`, a tick this late counts as missed (downtime), not as on time. */
export const ON_TIME_GRACE_MS = 60_000
/** At most this many missed ticks are run by `catchup: 'all'` (the latest ones). */
const MAX_CATCHUP = 1000

/**
 * Fires due cron schedules. A workflow that also waits for sources (`when`) gets no run from
 * its ticks: a tick arms the partition's readiness and deadline instead (so a partition where
 * nothing lands still raises readiness_missed), and the run starts once the data has landed. The `schedules` row is the durable timer: locked with SKIP LOCKED
 * (several coordinators share the work), its due ticks become run requests keyed
 * `cron:<scheduled time>` (the same tick twice is one run), and its next tick is written in the
 * same transaction as the runs. `catchup` decides what happens to ticks missed during
 * downtime. Returns true when more schedules may be due.
 */
export async function fireDueSchedules(db: Db, definitions: DefinitionCache, subjects: Subjects, publisher: OutboxPublisher, now: Date = new Date()): Promise<boolean> {
  const LIMIT = 20
  const { outbox, count, stats } = await db.transaction().execute(async (trx) => {
    const due = await claimDueSchedules(trx, now, LIMIT)
    if (due.length > 0) crashPoint(CrashPoint.cronAfterClaim)
    const requests: RunRequestItem[] = []
    for (const s of due) {
      const schedule = { cron: s.cron, timezone: s.timezone }
      const missed = missedFireTimes(schedule, new Date(new Date(s.next_fire_at).getTime() - 1), now, MAX_CATCHUP)
      const policy = s.catchup as 'none' | 'latest' | 'all'
      const onTime = missed.filter((t) => now.getTime() - t.getTime() <= ON_TIME_GRACE_MS)
      const times = policy === 'none' ? onTime.slice(-1) : fireTimesToRun(policy, missed)
      const wf = await definitions.get(trx, (await currentVersions(trx, [s.workflow])).get(s.workflow) ?? '')
      for (const t of times) {
        const partition = partitionFor(s.partition_kind as 'date' | 'hour' | 'key', t, previousFireTime(schedule, t), s.timezone)
        const when = wf?.definition.when
        if (wf && when) {
          // Scheduled AND data-gated: the tick only arms the partition's readiness (and its
          // deadline); the run starts when the sources have landed, keyed readiness:<partition>.
          const deadline = when.expectBy ? readinessDeadline(when.expectBy, wf.partitionKind, partition, t, wf.timezone) : null
          await expectPartition(trx, s.workflow, partition, t, deadline)
          continue
        }
        requests.push({
          ref: requests.length,
          request: { id: `cron.${s.workflow}.${t.toISOString()}`, workflow: s.workflow, partition, idempotencyKey: `cron:${t.toISOString()}`, trigger: 'cron' },
          options: { scheduledFor: t },
        })
      }
      await advanceSchedule(trx, s.workflow, nextFireTime(schedule, now), missed.at(-1) ?? s.last_fired_at)
    }
    if (requests.length === 0) return { outbox: [], count: due.length, stats: undefined }
    const describe = (ref: number) => ({ subject: `schedule:${requests[ref]?.request.workflow}`, msgId: requests[ref]?.request.id ?? null, payload: JSON.stringify(requests[ref]?.request ?? {}) })
    const outcome = await applyInTransaction(trx, { requests }, { definitions, subjects, now, describe })
    return { outbox: outcome.outbox, count: due.length, stats: outcome.stats }
  })
  await publisher.publish(outbox)
  if (stats) recordBatch({ stats })
  return count === LIMIT
}
