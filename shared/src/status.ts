/**
 * The status words of the public contract (brief §3): exact spelling, used by the API, CLI
 * `--json`, database and UI.
 */

/** Run lifecycle statuses. */
export const RunStatus = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const
/** A run status word. */
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus]
/** Run statuses after which nothing changes. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled']

/** Task lifecycle statuses. */
export const TaskStatus = {
  pending: 'pending',
  queued: 'queued',
  running: 'running',
  retrying: 'retrying',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  upstream_failed: 'upstream_failed',
  cancelled: 'cancelled',
} as const
/** A task status word. */
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus]
/** Task statuses after which the task never runs again in this run. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'skipped', 'upstream_failed', 'cancelled']

/** True when a task status is terminal. */
export function isTerminalTaskStatus(s: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.includes(s)
}

/** Airflow's trigger rules, same names and outcomes. */
export const TriggerRule = {
  all_success: 'all_success',
  all_done: 'all_done',
  all_failed: 'all_failed',
  one_success: 'one_success',
  one_failed: 'one_failed',
  none_failed: 'none_failed',
  none_skipped: 'none_skipped',
  none_failed_min_one_success: 'none_failed_min_one_success',
  always: 'always',
} as const
/** A trigger rule name. */
export type TriggerRule = (typeof TriggerRule)[keyof typeof TriggerRule]

/**
 * Kinds of task: a plain task, a data-quality check, a branch that picks its downstream, or an
 * approval that waits (without a worker) for a person to approve or reject it.
 */
export const TaskKind = { task: 'task', check: 'check', branch: 'branch', approval: 'approval' } as const
/** A task kind. */
export type TaskKind = (typeof TaskKind)[keyof typeof TaskKind]
