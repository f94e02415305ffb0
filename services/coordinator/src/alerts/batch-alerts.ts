import type { TaskError } from '@baton/shared'
import type { RunWork } from '../apply/run-work.js'
import type { AlertCause } from './alert-store.js'

/** The last lines of a captured output (sh runner stdout/stderr), for an alert. */
function lastLines(text: unknown, n = 10): string[] {
  return typeof text === 'string' && text.length > 0 ? text.trimEnd().split('\n').slice(-n) : []
}

/**
 * What a batch calls for, per run: a task that failed for good (after its last retry, or a
 * failed quality check, with its sample of bad rows) and a run that failed. All share the cause
 * `failure:<workflow>:<partition or run>`, so a run's failures are one alert and a later
 * success of the same partition resolves it.
 */
export function alertCausesOf(work: RunWork): AlertCause[] {
  const causes: AlertCause[] = []
  const workflow = work.view.workflow
  const partition = work.view.partition
  const causeKey = `failure:${workflow}:${partition ?? work.view.id}`
  for (const h of work.history) {
    if (h.kind !== 'transition' || h.to !== 'failed' || !h.taskId) continue
    const def = work.workflow.tasks.get(h.taskId)
    const error = (work.tasks.get(h.taskId) as { error?: TaskError | null } | undefined)?.error ?? null
    const details = [...work.attempts].reverse().find((a) => a.taskId === h.taskId && a.details)?.details ?? {}
    const check = (details as { check?: { sample?: unknown; details?: unknown } }).check
    const isCheck = error?.kind === 'check_failed'
    causes.push({
      kind: isCheck ? 'check_failed' : 'task_failed',
      causeKey,
      workflow,
      partition,
      runId: work.view.id,
      owner: def?.owner ?? work.workflow.definition.owner ?? null,
      summary: `${workflow} ${partition ?? work.view.id}: ${isCheck ? 'quality check' : 'task'} ${h.taskId} failed${h.attempt ? ` (attempt ${h.attempt})` : ''}: ${error?.message ?? h.reason ?? ''}`,
      details: {
        task: h.taskId,
        attempt: h.attempt,
        error,
        lastLines: [...lastLines((details as { stdout?: unknown }).stdout), ...lastLines((details as { stderr?: unknown }).stderr)].slice(-10),
        ...(isCheck ? { check: check?.details ?? null, sample: check?.sample ?? null } : {}),
      },
    })
  }
  causes.push(...approvalsWaiting(work))
  if (work.runDirty && work.view.status === 'failed' && work.row.status !== 'failed') {
    causes.push({
      kind: 'run_failed',
      causeKey,
      workflow,
      partition,
      runId: work.view.id,
      owner: work.workflow.definition.owner ?? null,
      summary: `${workflow} ${partition ?? work.view.id}: run failed (${work.view.tasksBad} task(s) failed or upstream_failed)`,
      details: { tasksBad: work.view.tasksBad },
    })
  }
  return causes
}

/** True when the run succeeded in this batch (what fired for its partition resolves). */
export function succeededInBatch(work: RunWork): boolean {
  return work.runDirty && work.view.status === 'succeeded' && work.row.status !== 'succeeded'
}

/** The alert cause of one approval task's wait: decided, timed out or cancelled resolves it. */
export function approvalCauseKey(runId: string, taskId: string): string {
  return `approval:${runId}:${taskId}`
}

/**
 * Approval tasks that started waiting in this batch: their owner (and approvers) are told that a
 * decision is needed, with the deadline when the task has a timeout.
 */
function approvalsWaiting(work: RunWork): AlertCause[] {
  const out: AlertCause[] = []
  for (const h of work.history) {
    if (h.kind !== 'transition' || h.to !== 'running' || !h.taskId) continue
    const def = work.workflow.tasks.get(h.taskId)
    if (def?.kind !== 'approval') continue
    const { workflow, partition, id: runId } = work.view
    const deadline = def.timeouts.executionMs === undefined ? null : new Date(h.at.getTime() + def.timeouts.executionMs).toISOString()
    out.push({
      kind: 'approval_waiting',
      causeKey: approvalCauseKey(runId, h.taskId),
      workflow,
      partition,
      runId,
      owner: def.owner ?? work.workflow.definition.owner ?? null,
      summary: `${workflow} ${partition ?? runId}: ${h.taskId} is waiting for approval${deadline ? ` (until ${deadline})` : ''}: baton approve ${runId} ${h.taskId}`,
      details: { task: h.taskId, approvers: def.approvers ?? null, deadline },
    })
  }
  return out
}

/** Cause keys of approval tasks that stopped waiting in this batch (approved, rejected, timed out, cancelled, cleared). */
export function approvalsEnded(work: RunWork): string[] {
  const out: string[] = []
  for (const h of work.history) {
    if (h.kind !== 'transition' || h.from !== 'running' || !h.taskId) continue
    if (work.workflow.tasks.get(h.taskId)?.kind === 'approval') out.push(approvalCauseKey(work.view.id, h.taskId))
  }
  return out
}
