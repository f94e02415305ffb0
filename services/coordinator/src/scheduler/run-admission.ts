import type { Db, Subjects } from '@baton/shared'
import { claimQueuedRuns, countRunningInGroup, lockAdmissionGroup, queuedGroups } from '../db/admission.js'
import { applyInTransaction } from '../apply/apply-batch.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { recordBatch } from '../telemetry/batch-metrics.js'

/**
 * Starts queued runs of concurrency groups (`wf:<name>` for maxActiveRuns, `backfill:<id>`)
 * while the group has free slots. A per-group advisory lock makes the count-then-start safe
 * with several coordinators; queued runs are claimed with SKIP LOCKED, oldest partition first.
 */
export async function admitQueuedRuns(db: Db, definitions: DefinitionCache, subjects: Subjects, publisher: OutboxPublisher, now: Date = new Date()): Promise<boolean> {
  const groups = await queuedGroups(db)
  for (const g of groups) {
    const applied = await db.transaction().execute(async (trx) => {
      await lockAdmissionGroup(trx, g.key)
      const free = g.lim - (await countRunningInGroup(trx, g.key))
      if (free <= 0) return undefined
      const ids = await claimQueuedRuns(trx, g.key, free)
      if (ids.length === 0) return undefined
      const outcome = await applyInTransaction(trx, { starts: ids }, { definitions, subjects, now, describe: () => ({ subject: 'admission', msgId: null, payload: '' }) })
      return outcome
    })
    if (!applied) continue
    await publisher.publish(applied.outbox)
    recordBatch(applied)
  }
  return false
}
