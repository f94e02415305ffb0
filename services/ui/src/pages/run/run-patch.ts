/**
 * Live run updates applied to the cached GET /runs/{id} answer (no React): a task or run
 * transition from the event stream changes the status at once, so the graph recolours before the
 * refetch that brings the full details (times, outputs) lands.
 */
import type { Schemas } from '../../api/client'

/** A run as GET /runs/{id} answers it. */
export type RunDetails = Schemas['RunDetails']
/** One task of a run. */
export type RunTask = RunDetails['tasks'][number]
/** One attempt of a task. */
export type TaskAttempt = RunTask['attemptDetails'][number]

/** The parts of a transition event a patch needs. */
export interface RunTransition {
  runId: string
  taskId: string | null
  attempt: number | null
  to: string
}

const TASK_STATUSES = new Set<string>(['pending', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'upstream_failed', 'cancelled'])
const RUN_STATUSES = new Set<string>(['queued', 'running', 'succeeded', 'failed', 'cancelled'])

/** Task statuses after which a task does nothing more (unless cleared or retried). */
export const FINISHED_TASK_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'upstream_failed', 'cancelled'])
/** Run statuses after which a run does nothing more. */
export const FINISHED_RUN_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * `run` with the transitions applied, in order (a new object; unchanged tasks are shared). Task
 * transitions set the task's status and raise its attempt count (an attempt the details do not
 * list yet gets a placeholder row, so the attempts list never disagrees with the count); run
 * transitions set the run's status. Events of other runs, and unknown statuses, are ignored.
 */
export function applyTransitions(run: RunDetails, events: readonly { event: RunTransition; kind: 'run' | 'task' }[]): RunDetails {
  let next = run
  for (const { event, kind } of events) {
    if (event.runId !== run.id) continue
    if (kind === 'run') {
      if (RUN_STATUSES.has(event.to) && next.status !== event.to) next = { ...next, status: event.to as RunDetails['status'] }
      continue
    }
    const i = next.tasks.findIndex((t) => t.id === event.taskId)
    if (i < 0 || !TASK_STATUSES.has(event.to)) continue
    const tasks = next.tasks.slice()
    tasks[i] = patchTask(tasks[i]!, event)
    next = { ...next, tasks }
  }
  return next
}

function patchTask(task: RunTask, event: RunTransition): RunTask {
  const status = event.to as RunTask['status']
  const n = event.attempt ?? 0
  let attemptDetails = task.attemptDetails
  if (n > 0) {
    const known = attemptDetails.some((a) => a.attempt === n)
    // The attempt's own status follows the task's while it is underway or just finished.
    const attemptStatus = status === 'retrying' ? 'failed' : status
    attemptDetails = known
      ? attemptDetails.map((a) => (a.attempt === n ? { ...a, status: attemptStatus } : a))
      : [...attemptDetails, placeholderAttempt(n, attemptStatus)]
  }
  return { ...task, status, attempts: Math.max(task.attempts, n), attemptDetails }
}

function placeholderAttempt(attempt: number, status: string): TaskAttempt {
  return { attempt, status, workerId: null, queuedAt: null, startedAt: null, finishedAt: null, queueWaitMs: null, durationMs: null, backoffMs: null, output: null, error: null, check: null }
}

/** How many of the run's tasks are finished, and how many there are. */
export function taskProgress(run: Pick<RunDetails, 'tasks'>): { done: number; total: number } {
  let done = 0
  for (const t of run.tasks) if (FINISHED_TASK_STATUSES.has(t.status)) done++
  return { done, total: run.tasks.length }
}

/** The latest attempt of a task (undefined before its first). */
export function latestAttempt(task: Pick<RunTask, 'attemptDetails'>): TaskAttempt | undefined {
  return task.attemptDetails.reduce<TaskAttempt | undefined>((m, a) => (!m || a.attempt > m.attempt ? a : m), undefined)
}

/** An approval task waiting for a decision (approve/reject apply to it). */
export function awaitingApproval(task: Pick<RunTask, 'kind' | 'status'>): boolean {
  return task.kind === 'approval' && task.status === 'running'
}
