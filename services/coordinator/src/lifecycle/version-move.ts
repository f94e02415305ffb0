import type { CompiledWorkflow } from '@baton/shared'

/**
 * Why a run of `from` cannot move to `to` on retry, one reason per task (empty: it can). A run's
 * task rows and their upstream counters are built from its version's DAG, so the move keeps them
 * only when both versions have the same tasks with the same upstream tasks; anything else about
 * a task (its command, retry, timeouts, queue, trigger rule, pool) may change and applies to the
 * attempts the retry makes. Pure.
 */
export function versionMoveIssues(from: CompiledWorkflow, to: CompiledWorkflow): string[] {
  const issues: string[] = []
  for (const id of to.tasks.keys()) if (!from.tasks.has(id)) issues.push(`task ${id} is new`)
  for (const [id, t] of from.tasks) {
    const next = to.tasks.get(id)
    if (!next) {
      issues.push(`task ${id} is gone`)
      continue
    }
    const was = [...t.upstream].sort()
    const now = [...next.upstream].sort()
    if (was.join(',') !== now.join(',')) issues.push(`task ${id}'s upstream changed (${was.join(', ') || 'none'} → ${now.join(', ') || 'none'})`)
    if (Boolean(t.subWorkflow) !== Boolean(next.subWorkflow) || (t.kind === 'approval') !== (next.kind === 'approval')) issues.push(`task ${id} changed between a worker task and one that waits without a worker`)
  }
  return issues.sort()
}
