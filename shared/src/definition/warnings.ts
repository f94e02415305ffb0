import type { ValidationIssue } from '../errors.js'
import type { CompiledWorkflow } from './compile.js'

/**
 * Things a valid definition may not mean, reported by `baton validate` and `baton deploy`
 * without refusing the definition: a trigger rule on a task that has no upstream (it starts with
 * the run whatever the rule says), and a check with nothing downstream to hold back.
 */
export function definitionWarnings(wf: CompiledWorkflow): ValidationIssue[] {
  const warnings: ValidationIssue[] = []
  for (const t of wf.tasks.values()) {
    if (t.upstream.length === 0 && t.trigger !== 'all_success' && t.trigger !== 'always') {
      warnings.push({ path: `tasks.${t.id}.trigger`, reason: `'${t.trigger}' has no effect on a task with no 'after': it starts when the run starts` })
    }
  }
  return warnings
}
