import { IllegalTransitionError, type RunStatus, type TaskStatus } from '@baton/shared'

/**
 * The allowed status transitions, the one table the machine (`decide`) checks every decision
 * against, the exhaustive (status × event) test enumerates, and docs/architecture.md describes.
 * A change to a status not listed here is a bug in the machine, thrown as IllegalTransitionError.
 * Staying in the same status (counters, a moved heartbeat) is always allowed.
 */
export const TASK_TRANSITIONS: { readonly [S in TaskStatus]: readonly TaskStatus[] } = {
  // Waiting for upstream tasks: their outcomes decide. An approval task goes straight to
  // `running`: it waits for a decision without a command or a worker.
  pending: ['queued', 'running', 'skipped', 'upstream_failed', 'cancelled'],
  // A command is out: a worker starts it, or its result arrives first, or schedule-to-start expires.
  queued: ['running', 'succeeded', 'failed', 'retrying', 'cancelled'],
  // A mapped task also waits `running` for its list: an empty one skips it (lifecycle/map-decisions.ts).
  running: ['succeeded', 'failed', 'retrying', 'skipped', 'cancelled'],
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

/**
 * What an operator may do beyond the table (docs/operations.md, "Operator actions"): reopen any
 * task (`pending`: clear, retry from failure — terminal statuses included), and mark any task
 * `succeeded` or `failed` by hand. A reopened task then follows the table again.
 */
export const OPERATOR_TASK_TARGETS: readonly TaskStatus[] = ['pending', 'succeeded', 'failed']
/**
 * An operator may reopen a finished run (it runs again until its tasks are terminal again), and a
 * mark may change a finished run's outcome at once (its last task marked failed or succeeded).
 */
export const OPERATOR_RUN_TARGETS: readonly RunStatus[] = ['running', 'succeeded', 'failed']

/**
 * Throws IllegalTransitionError unless `from → to` is a task transition of the table (or, for an
 * operator's event, one of OPERATOR_TASK_TARGETS).
 */
export function checkTaskTransition(from: TaskStatus, to: TaskStatus, ids: { runId: string; taskId: string }, operator = false): void {
  if (operator && OPERATOR_TASK_TARGETS.includes(to)) return
  if (from !== to && !TASK_TRANSITIONS[from].includes(to)) {
    throw new IllegalTransitionError(`task ${ids.taskId} of run ${ids.runId}: ${from} → ${to} is not an allowed transition`, ids)
  }
}

/** Throws IllegalTransitionError unless `from → to` is a run transition of the table (or an operator's reopen). */
export function checkRunTransition(from: RunStatus, to: RunStatus, runId: string, operator = false): void {
  if (operator && OPERATOR_RUN_TARGETS.includes(to)) return
  if (from !== to && !RUN_TRANSITIONS[from].includes(to)) {
    throw new IllegalTransitionError(`run ${runId}: ${from} → ${to} is not an allowed transition`, { runId })
  }
}
