import { partitionsInRange, type Db } from '@baton/shared'
import { latestRunStatusByPartition, unfinishedBackfillRuns } from '../db/backfills.js'
import { currentVersions } from '../db/workflows.js'
import type { ApplyContext, BackfillItem, RunEventItem, RunRequestItem } from './apply-batch.js'

/** Default cap on the partitions of one backfill (a typo in a range must not create a million runs). */
export const MAX_BACKFILL_PARTITIONS = 1000
const DERIVED_REF = 2_000_000_000
let seq = 0

/**
 * Which partitions a backfill runs. An active run is never duplicated; `missing` runs only
 * partitions never run, `failed` also those whose latest run failed or was cancelled, `all`
 * every partition.
 */
export function partitionsToRun(rerun: 'missing' | 'failed' | 'all', partitions: readonly string[], latest: ReadonlyMap<string, string>): string[] {
  return partitions.filter((p) => {
    const s = latest.get(p)
    if (s === 'queued' || s === 'running') return false
    if (rerun === 'all') return true
    if (s === undefined) return true
    return rerun === 'failed' && (s === 'failed' || s === 'cancelled')
  })
}

/**
 * Applies backfill requests (one queued run per partition, grouped `backfill:<id>` so the
 * admission job starts at most `concurrency` at once) and cancellations (every unfinished run
 * of the backfill is cancelled). Idempotent: the backfill id is the request id.
 */
export async function applyBackfillRequests(db: Db, items: readonly BackfillItem[], ctx: ApplyContext, rejected: Map<number, string>): Promise<(RunRequestItem | RunEventItem)[]> {
  const out: (RunRequestItem | RunEventItem)[] = []
  for (const item of items) {
    if (item.type === 'cancel_requested') {
      const { backfillId, reason } = item.request
      const found = await db.selectFrom('backfills').select('id').where('id', '=', backfillId).executeTakeFirst()
      if (!found) {
        rejected.set(item.ref, `unknown backfill ${backfillId}`)
        continue
      }
      const unfinished = await unfinishedBackfillRuns(db, backfillId)
      // A finished backfill stays as it ended.
      if (unfinished.length > 0) await db.updateTable('backfills').set({ cancel_reason: reason ?? 'cancelled by request' }).where('id', '=', backfillId).execute()
      for (const runId of unfinished) {
        out.push({ ref: DERIVED_REF + seq++, runId, eventId: item.request.id, event: { type: 'run.cancel_requested', reason: `backfill cancelled: ${reason ?? 'by request'}` } })
      }
      continue
    }
    const r = item.request
    if (await db.selectFrom('backfills').select('id').where('id', '=', r.id).executeTakeFirst()) continue
    const hash = (await currentVersions(db, [r.workflow])).get(r.workflow)
    if (!hash) {
      rejected.set(item.ref, `unknown workflow '${r.workflow}'`)
      continue
    }
    const wf = (await ctx.definitions.get(db, hash))!
    const range = partitionsInRange(wf.partitionKind, r.from, r.to, ctx.backfillMaxPartitions ?? MAX_BACKFILL_PARTITIONS)
    if (!Array.isArray(range)) {
      rejected.set(item.ref, range.error)
      continue
    }
    const chosen = partitionsToRun(r.rerun, range, await latestRunStatusByPartition(db, r.workflow, range))
    await db
      .insertInto('backfills')
      .values({ id: r.id, workflow: r.workflow, from_partition: r.from, to_partition: r.to, concurrency: r.concurrency, rerun: r.rerun, partitions: range.length, skipped: range.length - chosen.length })
      .execute()
    for (const partition of chosen) {
      out.push({
        ref: DERIVED_REF + seq++,
        request: { id: `${r.id}.${partition}`, workflow: r.workflow, partition, params: r.params ?? {}, idempotencyKey: `backfill:${r.id}:${partition}`, trigger: 'backfill' },
        options: { concurrencyKey: `backfill:${r.id}`, concurrencyLimit: r.concurrency, backfillId: r.id },
      })
    }
  }
  return out
}
