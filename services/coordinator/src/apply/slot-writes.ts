import type { SlotKeep, SlotWait } from '../db/task-slots.js'
import { TimerKind } from '../lifecycle/types.js'
import type { RunWork } from './run-work.js'

/** What a batch writes for slots: the attempts that wait instead of leaving, and the releases. */
export interface SlotWrites {
  /** `runId/taskId/attempt` of dispatches held back for admission. */
  readonly gated: ReadonlySet<string>
  readonly waits: readonly SlotWait[]
  readonly keeps: readonly SlotKeep[]
}

/**
 * Splits a batch's dispatches: an attempt of a task with slot groups (a pool, a concurrency) gets
 * a wait row per group instead of a command — admission sends the command once it holds every
 * group's slots, and its schedule-to-start clock starts then (a full pool is not a missing
 * worker). And for every such task the batch changed, releases the slots of every attempt but
 * the live one (queued or running): a retry, a timeout, a cancel or a finish gives them back in
 * the transaction that records it.
 */
export function slotWrites(works: readonly RunWork[], now: Date): SlotWrites {
  const gated = new Set<string>()
  const waits: SlotWait[] = []
  const keeps: SlotKeep[] = []
  for (const w of works) {
    for (const d of w.liveDispatches()) {
      const def = w.workflow.tasks.get(d.taskId)!
      if (!def.admission) continue
      gated.add(`${w.view.id}/${d.taskId}/${d.attempt}`)
      for (const g of def.admission.groups) {
        waits.push({ runId: w.view.id, taskId: d.taskId, attempt: d.attempt, groupKey: g.key, slots: g.slots, lim: g.limit ?? null, priority: def.admission.priority, owner: def.owner ?? '', enqueuedAt: now })
      }
      if (def.timeouts.scheduleToStartMs !== undefined) {
        const key = { kind: TimerKind.scheduleToStart, taskId: d.taskId, attempt: d.attempt }
        w.timers.set(`${key.kind}|${key.taskId}|${key.attempt}`, { key, fireAt: null })
      }
    }
    for (const taskId of w.dirtyTasks) {
      if (!w.workflow.tasks.get(taskId)?.admission) continue
      const t = w.tasks.get(taskId)!
      keeps.push({ runId: w.view.id, taskId, keepAttempt: t.status === 'queued' || t.status === 'running' ? t.attempt : -1 })
    }
  }
  return { gated, waits, keeps }
}
