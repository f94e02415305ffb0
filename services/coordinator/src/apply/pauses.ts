import { currentVersions, type Db, type WorkflowPauseRequested } from '@baton/shared'
import { dropHeldPartitions, heldPartitions, pauseWorkflow, unpauseWorkflow, workflowExists } from '../db/workflow-pause.js'
import type { ApplyContext } from './apply-batch.js'
import type { ReadinessRequest } from './readiness.js'

/** A pause or unpause request. */
export interface PauseItem {
  readonly ref: number
  readonly request: WorkflowPauseRequested
}

const DERIVED_REF = 1_500_000_000
let seq = 0

/**
 * Which held partitions an unpause runs, by the workflow's catch-up policy: `all` each, `latest`
 * only the newest (partition labels sort in time order), `none` none. The others are dropped:
 * still listed with their landings, startable by hand or by a backfill.
 */
export function heldPartitionsToRun(policy: 'none' | 'latest' | 'all', held: readonly string[]): string[] {
  if (policy === 'all') return [...held]
  if (policy === 'latest') return held.length > 0 ? [[...held].sort().at(-1)!] : []
  return []
}

/**
 * Applies pause and unpause requests. Pausing holds the automatic triggers: the cron scheduler
 * skips a paused workflow's schedule (its ticks stay due), and a partition whose sources all land
 * is marked `held` instead of starting its run. Unpausing lets the scheduler catch up on the held
 * ticks by the schedule's `catchup`, and starts the held partitions' runs by the same policy
 * (`all` for a workflow without a schedule: each landing is data waiting to be processed).
 * Manual runs, backfills and operator actions are not held. Idempotent: pausing a paused workflow
 * changes nothing.
 */
export async function applyPauseRequests(db: Db, items: readonly PauseItem[], ctx: ApplyContext, rejected: Map<number, string>): Promise<ReadinessRequest[]> {
  const out: ReadinessRequest[] = []
  // Name order: the same lock order as a landing batch's FOR SHARE (db/workflow-pause.ts).
  for (const { ref, request } of [...items].sort((a, b) => a.request.workflow.localeCompare(b.request.workflow))) {
    const name = request.workflow
    if (!(await workflowExists(db, name))) {
      rejected.set(ref, `unknown workflow '${name}'`)
      continue
    }
    if (request.paused) {
      await pauseWorkflow(db, name, request.by, request.reason ?? null, ctx.now)
      continue
    }
    if (!(await unpauseWorkflow(db, name))) continue
    const held = await heldPartitions(db, name)
    if (held.length === 0) continue
    const wf = await ctx.definitions.get(db, (await currentVersions(db, [name])).get(name) ?? '')
    const policy = wf?.definition.schedule?.catchup ?? 'all'
    const run = heldPartitionsToRun(policy, held)
    await dropHeldPartitions(db, name, held.filter((p) => !run.includes(p)))
    for (const partition of run) {
      out.push({
        ref: DERIVED_REF + seq++,
        request: { id: `unpause.${name}.${partition}.${request.id}`, workflow: name, partition, idempotencyKey: `readiness:${partition}`, trigger: 'readiness' },
        readiness: { workflow: name, partition },
      })
    }
  }
  return out
}
