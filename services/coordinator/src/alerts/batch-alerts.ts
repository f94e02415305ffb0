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
