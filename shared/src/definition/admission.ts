import type { WorkflowDefinition } from './schema.js'

// Pools, task concurrency and priority as compiled into a task (docs/definitions.md, "Pools,
// concurrency and priority"): the slot groups an attempt waits for before its command is sent.

/** What an attempt waits for before its command is sent. */
export interface TaskAdmission {
  /** One per group: `pool:<name>` (limit from the pools table) or `task:<workflow>/<task>` (limit here). */
  readonly groups: readonly { readonly key: string; readonly slots: number; readonly limit?: number }[]
  /** Higher first among attempts waiting for the same group. */
  readonly priority: number
}

/** The slot group of a pool. */
export function poolGroupKey(pool: string): string {
  return `pool:${pool}`
}

/** The slot group of a task's concurrency across the runs of its workflow. */
export function taskGroupKey(workflow: string, taskId: string): string {
  return `task:${workflow}/${taskId}`
}

/** A task's slot groups and priority, when it has any group. */
export function admissionOf(def: WorkflowDefinition, id: string): { admission?: TaskAdmission } {
  const t = def.tasks[id]!
  const groups: { key: string; slots: number; limit?: number }[] = []
  if (t.concurrency !== undefined) groups.push({ key: taskGroupKey(def.name, id), slots: 1, limit: t.concurrency })
  if (t.pool !== undefined) groups.push({ key: poolGroupKey(t.pool), slots: t.slots ?? 1 })
  if (groups.length === 0) return {}
  return { admission: { groups, priority: t.priority ?? def.priority ?? 0 } }
}
