import { archivedReason, partitionsInRange, resolveRunParams, withPartitionParam, workflowStates, type Db } from '@baton/shared'
import { backfillExists, insertBackfill, latestRunStatusByPartition, setBackfillCancelReason, unfinishedBackfillRuns } from '../db/backfills.js'
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
      if (!(await backfillExists(db, backfillId))) {
        rejected.set(item.ref, `unknown backfill ${backfillId}`)
        continue
      }
      const unfinished = await unfinishedBackfillRuns(db, backfillId)
      // A finished backfill stays as it ended.
      if (unfinished.length > 0) await setBackfillCancelReason(db, backfillId, reason ?? 'cancelled by request')
      for (const runId of unfinished) {
        out.push({ ref: DERIVED_REF + seq++, runId, eventId: item.request.id, event: { type: 'run.cancel_requested', reason: `backfill cancelled: ${reason ?? 'by request'}` } })
      }
      continue
    }
    const r = item.request
    if (await backfillExists(db, r.id)) continue
    const state = (await workflowStates(db, [r.workflow])).get(r.workflow)
    if (!state || state.archived) {
      rejected.set(item.ref, state ? archivedReason(r.workflow) : `unknown workflow '${r.workflow}'`)
      continue
    }
    const wf = (await ctx.definitions.get(db, state.hash))!
    const range = partitionsInRange(wf.partitionKind, r.from, r.to, ctx.backfillMaxPartitions ?? MAX_BACKFILL_PARTITIONS)
    if (!Array.isArray(range)) {
      rejected.set(item.ref, range.error)
      continue
    }
    // Every run gets the same params (plus its partition): refuse the backfill, not each of its runs.
    const resolved = resolveRunParams(wf, withPartitionParam(wf, { params: r.params ?? {}, partition: range[0]!, trigger: 'backfill' }))
    if (!resolved.ok) {
      rejected.set(item.ref, resolved.issues.map((i) => `${i.path}: ${i.reason}`).join('; '))
      continue
    }
    const chosen = partitionsToRun(r.rerun, range, await latestRunStatusByPartition(db, r.workflow, range))
    await insertBackfill(db, { id: r.id, workflow: r.workflow, from: r.from, to: r.to, concurrency: r.concurrency, rerun: r.rerun, partitions: range.length, skipped: range.length - chosen.length })
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
