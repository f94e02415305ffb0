import type { FinalState } from './final-state.js'
import type { FaultRecord } from './faults.js'
import { invariant, type InvariantResult } from './invariant.js'

/**
 * Every failed attempt has a cause the harness knows: the plan told it to fail (a handler's
 * planned failure, a shell task's planned exit code, a check's failing verdict), or a fault was
 * on while it ran (a killed worker's attempt times out; an attempt whose heartbeats NATS lost).
 * A heartbeat timeout with no fault around it is a spurious failure: a finding, even when the
 * retries absorb it.
 */

/** How long after a fault is lifted its effects may still fail an attempt (reconnects, redeliveries). */
const AFTERMATH_MS = 2000

/** The failed-attempt invariant. */
export function checkFailures(state: FinalState, faults: readonly FaultRecord[]): InvariantResult {
  const runs = new Map(state.runs.map((r) => [r.id, r]))
  const failed = state.attempts.filter((a) => a.status === 'failed')
  const unexplained: unknown[] = []
  for (const a of failed) {
    const run = runs.get(a.run_id)
    const kind = a.error?.kind ?? '?'
    const b = run?.params?.b?.[a.task_id]
    const shell = run?.workflow === 'chaos_shell' && (a.task_id === 's0' || a.task_id === 's1')
    const planned =
      (kind === 'error' && /^planned failure/.test(a.error?.message ?? '') && a.attempt <= (b?.fail ?? 0)) ||
      (kind === 'exit_code' && shell && a.attempt <= (run?.params?.sh_fail ?? 0)) ||
      (kind === 'check_failed' && b?.pass === false)
    if (planned) continue
    const end = a.finished_at ? new Date(a.finished_at).getTime() : Date.now()
    const begin = a.started_at ? new Date(a.started_at).getTime() - 1000 : end - 15_000
    const fault = faults.find((f) => f.injectedAt <= end && f.liftedAt + AFTERMATH_MS >= begin)
    if (!fault) {
      unexplained.push({
        run: a.run_id,
        workflow: run?.workflow,
        task: a.task_id,
        attempt: a.attempt,
        error: a.error,
        startedAt: a.started_at,
        finishedAt: a.finished_at,
      })
    }
  }
  return invariant('every failed attempt is explained: planned by the run, or a fault was on while it ran', failed.length, unexplained)
}
