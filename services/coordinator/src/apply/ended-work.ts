import type { RunStatus, TaskError, TaskStatus } from '@baton/shared'
import type { RunWork } from './run-work.js'

/** An attempt that reached its final status in a batch (succeeded, failed or cancelled). */
export interface EndedAttempt {
  readonly runId: string
  readonly workflow: string
  readonly partition: string | null
  readonly taskId: string
  readonly attempt: number
  readonly queue: string
  readonly status: TaskStatus
  /** When it ended (the batch's time, as written to `task_attempts.finished_at`). */
  readonly endedAt: Date
  readonly workerId: string | null
  readonly error: TaskError | null
  /** Known when the attempt was queued or started in the same batch; else read after commit. */
  readonly queuedAt?: Date
  readonly startedAt?: Date
}

/** A run that reached its final status in a batch. */
export interface FinishedRun {
  readonly runId: string
  readonly workflow: string
  readonly partition: string | null
  readonly status: RunStatus
  readonly trigger: string
  /** When it started; null for a run cancelled while queued. */
  readonly startedAt: Date | null
  readonly createdAt: Date
  readonly finishedAt: Date
}

/** What a batch ended, for the telemetry layer (the run's trace is written when things end). */
export interface EndedWork {
  readonly attempts: readonly EndedAttempt[]
  readonly runs: readonly FinishedRun[]
}

const LIVE: readonly TaskStatus[] = ['queued', 'running']

/** Collects the attempts and runs a batch's decisions ended, from the runs' working copies. */
export function endedWork(works: Iterable<RunWork>): EndedWork {
  const attempts: EndedAttempt[] = []
  const runs: FinishedRun[] = []
  for (const w of works) {
    const seen = new Map<string, { queuedAt?: Date; startedAt?: Date; workerId?: string }>()
    for (const a of w.attempts) {
      const key = `${a.taskId}/${a.attempt}`
      const known = seen.get(key) ?? {}
      if (a.insert) known.queuedAt = a.at
      if (a.status === 'running') known.startedAt = a.at
      else if (a.startedAt) known.startedAt = a.startedAt
      if (a.workerId) known.workerId = a.workerId
      seen.set(key, known)
      if (LIVE.includes(a.status)) continue
      attempts.push({
        runId: w.view.id,
        workflow: w.view.workflow,
        partition: w.view.partition,
        taskId: a.taskId,
        attempt: a.attempt,
        queue: w.workflow.tasks.get(a.taskId)?.queue ?? 'default',
        status: a.status,
        endedAt: a.at,
        workerId: known.workerId ?? w.tasks.get(a.taskId)?.workerId ?? null,
        error: a.error ?? null,
        ...(known.queuedAt ? { queuedAt: known.queuedAt } : {}),
        ...(known.startedAt ? { startedAt: known.startedAt } : {}),
      })
    }
    if (w.runFinishedAt) {
      runs.push({
        runId: w.view.id,
        workflow: w.view.workflow,
        partition: w.view.partition,
        status: w.view.status,
        trigger: w.row.trigger,
        startedAt: w.runStartedAt ?? w.row.started_at,
        createdAt: w.row.created_at,
        finishedAt: w.runFinishedAt,
      })
    }
  }
  return { attempts, runs }
}
