import { currentVersions, parsePartition, readinessDeadline, type Db } from '@baton/shared'
import { lockPausedWorkflows, markReadinessHeld } from '../db/workflow-pause.js'
import { insertLanding, markReadinessRejected, markReadinessStarted, recordLandedSource, runStatus, workflowsBySource } from '../db/readiness.js'
import type { ApplyContext, LandingItem, RunRequestItem } from './apply-batch.js'

/** Refs of run requests derived from landings start here, apart from message refs. */
const DERIVED_REF = 1_000_000_000

/** A run request made by readiness, remembered so its run id can be linked back. */
export interface ReadinessRequest extends RunRequestItem {
  readonly readiness?: { readonly workflow: string; readonly partition: string }
}

let derivedSeq = 0

/**
 * Applies source-landed events: each is recorded with its uri and time, then, for every
 * workflow waiting on that source, the partition's readiness gains the source. When every
 * listed source has landed, a run is requested with the idempotency key `readiness:<partition>`
 * — so the run for a partition starts exactly once whatever the order, delays or duplicates.
 * A landing after the partition's run succeeded starts a rerun when the workflow opts in.
 * While the workflow is paused, a complete partition is marked `held` and late data starts no
 * rerun (apply/pauses.ts).
 * Unknown sources and partitions that do not parse are rejected (dead-lettered) with the reason.
 */
export async function applyLandings(db: Db, landings: readonly LandingItem[], ctx: ApplyContext, rejected: Map<number, string>): Promise<ReadinessRequest[]> {
  if (landings.length === 0) return []
  const bySource = await workflowsBySource(db, [...new Set(landings.map((l) => l.landing.source))])
  const waiting = [...new Set([...bySource.values()].flat().filter((w) => w.role === 'waits').map((w) => w.workflow))]
  const versions = await currentVersions(db, waiting)
  // Before any readiness row: the workflow rows FOR SHARE, so an unpause in flight either sees
  // what this batch holds or is seen by it (db/workflow-pause.ts, lock order).
  const paused = await lockPausedWorkflows(db, waiting)
  const requests: ReadinessRequest[] = []
  for (const { ref, landing } of landings) {
    const entries = bySource.get(landing.source)
    if (!entries) {
      rejected.set(ref, `unknown source '${landing.source}': no deployed workflow waits for or produces it`)
      continue
    }
    // A landing feeds every waiting workflow whose partition kind it parses for; it is rejected
    // only when it fits none of them (the reasons name each workflow).
    const waiters = []
    const problems: string[] = []
    for (const e of entries.filter((x) => x.role === 'waits')) {
      const wf = await ctx.definitions.get(db, versions.get(e.workflow) ?? '')
      const when = wf?.definition.when
      if (!wf || !when) continue
      if (!landing.partition) {
        problems.push(`partition is required: workflow '${wf.name}' waits for '${landing.source}' by ${wf.partitionKind}`)
        continue
      }
      const parsed = parsePartition(wf.partitionKind, landing.partition)
      if (!parsed.ok) {
        problems.push(`partition "${landing.partition}" does not parse for workflow '${wf.name}' (${wf.partitionKind}): ${parsed.reason}`)
        continue
      }
      waiters.push({ wf, when, partition: landing.partition })
    }
    if (waiters.length === 0 && problems.length > 0) {
      rejected.set(ref, problems.join('; '))
      continue
    }
    const landingId = await insertLanding(db, landing, ctx.now)
    if (landingId === undefined) continue // the same event again: recorded once
    for (const { wf, when, partition } of waiters) {
      const deadline = when.expectBy ? readinessDeadline(when.expectBy, wf.partitionKind, partition, ctx.now, wf.timezone) : null
      const row = await recordLandedSource(db, wf.name, partition, landing.source, ctx.now, deadline)
      const complete = when.sourcesLanded.every((s) => row.landed.includes(s))
      const base = { id: `readiness.${wf.name}.${partition}.${landingId}`, workflow: wf.name, partition }
      if (complete && row.status !== 'started' && paused.has(wf.name)) {
        // Paused: the partition is held; the unpause's catch-up policy decides whether it runs.
        if (row.status !== 'held') await markReadinessHeld(db, wf.name, partition)
      } else if (complete && row.status !== 'started') {
        requests.push({ ref: DERIVED_REF + derivedSeq++, request: { ...base, idempotencyKey: `readiness:${partition}`, trigger: 'readiness' }, readiness: { workflow: wf.name, partition } })
      } else if (row.status === 'started' && !paused.has(wf.name) && when.rerunOnLateData && row.run_id && (await runStatus(db, row.run_id)) === 'succeeded') {
        requests.push({ ref: DERIVED_REF + derivedSeq++, request: { ...base, idempotencyKey: `late:${partition}:${landingId}`, trigger: 'late_data' }, readiness: { workflow: wf.name, partition } })
      }
    }
  }
  return requests
}

/**
 * Records which run each readiness request started, so late data can find it. A request the
 * run creation rejected (its reason is dead-lettered) leaves the partition `rejected`, so no
 * deadline alert claims that sources are missing.
 */
export async function linkReadinessRuns(db: Db, derived: readonly object[], runIds: ReadonlyMap<number, string>): Promise<void> {
  for (const d of derived as ReadinessRequest[]) {
    if (!d.readiness) continue
    const runId = runIds.get(d.ref)
    if (runId) await markReadinessStarted(db, d.readiness.workflow, d.readiness.partition, runId)
    else await markReadinessRejected(db, d.readiness.workflow, d.readiness.partition)
  }
}
