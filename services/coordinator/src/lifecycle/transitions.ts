import { IllegalTransitionError, type RunStatus, type TaskStatus } from '@baton/shared'

/**
 * The allowed status transitions, the one table the machine (`decide`) checks every decision
 * against, the exhaustive (status × event) test enumerates, and docs/architecture.md describes.
 * A change to a status not listed here is a bug in the machine, thrown as IllegalTransitionError.
 * Staying in the same status (counters, a moved heartbeat) is always allowed.
 */
export const TASK_TRANSITIONS: { readonly [S in TaskStatus]: readonly TaskStatus[] } = {
  // Waiting for upstream tasks: their outcomes decide.
  pending: ['queued', 'skipped', 'upstream_failed', 'cancelled'],
  // A command is out: a worker starts it, or its result arrives first, or schedule-to-start expires.
  queued: ['running', 'succeeded', 'failed', 'retrying', 'cancelled'],
  running: ['succeeded', 'failed', 'retrying', 'cancelled'],
  // Waiting for the backoff timer: the next attempt is queued.
  retrying: ['queued', 'cancelled'],
  succeeded: [],
  failed: [],
  skipped: [],
  upstream_failed: [],
  cancelled: [],
}

/** The allowed run transitions. */
export const RUN_TRANSITIONS: { readonly [S in RunStatus]: readonly RunStatus[] } = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
}

/** Throws IllegalTransitionError unless `from → to` is a task transition of the table. */
export function checkTaskTransition(from: TaskStatus, to: TaskStatus, ids: { runId: string; taskId: string }): void {
  if (from !== to && !TASK_TRANSITIONS[from].includes(to)) {
    throw new IllegalTransitionError(`task ${ids.taskId} of run ${ids.runId}: ${from} → ${to} is not an allowed transition`, ids)
  }
}

/** Throws IllegalTransitionError unless `from → to` is a run transition of the table. */
export function checkRunTransition(from: RunStatus, to: RunStatus, runId: string): void {
  if (from !== to && !RUN_TRANSITIONS[from].includes(to)) {
    throw new IllegalTransitionError(`run ${runId}: ${from} → ${to} is not an allowed transition`, { runId })
  }
}
