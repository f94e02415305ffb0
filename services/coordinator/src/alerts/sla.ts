import { readinessDeadline, type Db } from '@baton/shared'
import type { ApplyContext } from '../apply/apply-batch.js'
import type { RunWork } from '../apply/run-work.js'
import type { NewRun } from '../db/runs.js'
import { TimerKind } from '../lifecycle/types.js'
import type { AlertCause } from './alert-store.js'

/**
 * SLA deadlines (`sla: { finishBy }`): a durable timer per new run, at a time of day after the
 * run's partition ends (in the workflow's timezone) or a duration after the run was created.
 * If it fires before the run succeeded, an `sla_missed` alert is raised; success clears it.
 */
export async function slaTimersFor(db: Db, created: readonly NewRun[], ctx: ApplyContext): Promise<{ kind: typeof TimerKind.sla; runId: string; taskId: string; attempt: number; fireAt: Date }[]> {
  const out = []
  for (const run of created) {
    const wf = await ctx.definitions.get(db, run.versionHash)
    const sla = wf?.definition.sla
    if (!wf || !sla) continue
    const partition = run.partition ?? ctx.now.toISOString().slice(0, 10)
    const kind = run.partition ? wf.partitionKind : 'key'
    out.push({ kind: TimerKind.sla, runId: run.id, taskId: '', attempt: 0, fireAt: readinessDeadline(sla.finishBy, kind, partition, ctx.now, wf.timezone) })
  }
  return out
}

/** The alert for a run still unfinished at its SLA deadline. */
export function slaMissedCause(work: RunWork, now: Date): AlertCause {
  const v = work.view
  return {
    kind: 'sla_missed',
    causeKey: `sla:${v.workflow}:${v.partition ?? v.id}`,
    workflow: v.workflow,
    partition: v.partition,
    runId: v.id,
    owner: work.workflow.definition.owner ?? null,
    summary: `${v.workflow} ${v.partition ?? v.id}: SLA missed (finish by ${work.workflow.definition.sla?.finishBy}); run is ${v.status}, ${v.tasksTerminal}/${v.tasksTotal} tasks done`,
    details: { finishBy: work.workflow.definition.sla?.finishBy, status: v.status, tasksTerminal: v.tasksTerminal, tasksTotal: v.tasksTotal, at: now.toISOString() },
  }
}
