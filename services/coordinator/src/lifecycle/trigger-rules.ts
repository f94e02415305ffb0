import type { TriggerRule } from '@baton/shared'

/**
 * Trigger rules with Airflow's definitions and outcomes (brief §3).
 *
 * A downstream task keeps counters of its upstream outcomes. `failed` counts both `failed` and
 * `upstream_failed` upstreams (Airflow's "failures"). A decision is made only once it can no
 * longer change whatever the still-pending upstreams do — so the outcome never depends on the
 * order in which upstreams finish. `one_success` / `one_failed` therefore fire as soon as one
 * upstream qualifies; a certain negative outcome (e.g. `all_success` after a failure) is also
 * decided at once, which fails closed early.
 */

/** Counts of a task's upstream outcomes. */
export interface UpstreamCounts {
  /** Number of upstream tasks. */
  readonly total: number
  readonly succeeded: number
  /** failed + upstream_failed */
  readonly failed: number
  readonly skipped: number
}

/** What a trigger rule says about a pending task now. */
export type RuleDecision = 'wait' | 'run' | 'skipped' | 'upstream_failed'

/** Airflow's outcome once every upstream is terminal (the reference for early decisions). */
export function finalOutcome(rule: TriggerRule, c: UpstreamCounts): Exclude<RuleDecision, 'wait'> {
  const { total, succeeded, failed, skipped } = c
  switch (rule) {
    case 'all_success':
      return failed > 0 ? 'upstream_failed' : skipped > 0 ? 'skipped' : 'run'
    case 'all_failed':
      return succeeded > 0 || skipped > 0 ? 'skipped' : 'run'
    case 'all_done':
    case 'always':
      return 'run'
    case 'one_success':
      if (succeeded > 0) return 'run'
      return skipped === total ? 'skipped' : 'upstream_failed'
    case 'one_failed':
      return failed > 0 ? 'run' : 'skipped'
    case 'none_failed':
      return failed > 0 ? 'upstream_failed' : 'run'
    case 'none_skipped':
      return skipped > 0 ? 'skipped' : 'run'
    case 'none_failed_min_one_success':
      if (failed > 0) return 'upstream_failed'
      return skipped === total ? 'skipped' : 'run'
  }
}

/**
 * Decides a pending task from its upstream counts. Returns `wait` while the outcome still
 * depends on upstream tasks that have not finished.
 */
export function evaluateTriggerRule(rule: TriggerRule, c: UpstreamCounts): RuleDecision {
  const done = c.succeeded + c.failed + c.skipped
  if (rule === 'always') return 'run'
  if (done >= c.total) return finalOutcome(rule, c)
  switch (rule) {
    case 'one_success':
      return c.succeeded > 0 ? 'run' : 'wait'
    case 'one_failed':
      return c.failed > 0 ? 'run' : 'wait'
    case 'all_success':
    case 'none_failed':
    case 'none_failed_min_one_success':
      // A failure is decisive: these rules can only end upstream_failed now.
      return c.failed > 0 ? 'upstream_failed' : 'wait'
    case 'all_failed':
      return c.succeeded > 0 || c.skipped > 0 ? 'skipped' : 'wait'
    case 'none_skipped':
      return c.skipped > 0 ? 'skipped' : 'wait'
    case 'all_done':
      return 'wait'
  }
}
