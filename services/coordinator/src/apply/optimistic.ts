import { batonMetrics, metricsEnabled, type Db, type RunRow } from '@baton/shared'
import { lockRuns, readRuns } from '../db/runs.js'
import { readRunsWithTasks, type LoadedTaskView } from '../db/tasks.js'
import { tasksToPrefetch } from '../lifecycle/run-machine.js'
import type { ApplyContext, BatchInput, RunEventItem } from './apply-batch.js'

// The optimistic path of applyBatch (docs/architecture.md, "The optimistic path"): which batches
// may take it, how they read, and how it ended.

/** Task events of workers only: the common batch, whose decisions touch task rows and nothing else. */
export function optimisticBatch(input: BatchInput): boolean {
  const only = (xs: readonly unknown[] | undefined) => (xs ?? []).length === 0
  if (!only(input.requests) || !only(input.timers) || !only(input.landings) || !only(input.backfills) || !only(input.pauses) || !only(input.starts)) return false
  const events = input.events ?? []
  return events.length > 0 && events.every((e) => e.event.type === 'task.started' || e.event.type === 'task.heartbeat' || e.event.type === 'task.succeeded' || e.event.type === 'task.failed')
}

/**
 * The batch's runs: locked in id order, or — optimistic — read without a lock, together with the
 * task rows the events need when every run's version is known already (one round trip, not two).
 */
export async function readBatchRuns(
  db: Db,
  runIds: readonly string[],
  events: readonly RunEventItem[],
  ctx: ApplyContext,
  mode: 'locked' | 'optimistic',
): Promise<{ rows: RunRow[]; prefetched: LoadedTaskView[] }> {
  if (mode === 'locked') return { rows: await lockRuns(db, runIds), prefetched: [] }
  const pairs = new Map<string, { runId: string; taskId: string }>()
  for (const e of events) {
    const workflow = ctx.definitions.forRun(e.runId)
    const need = workflow ? tasksToPrefetch(e.event, { workflow }) : 'all'
    if (need === 'all') return { rows: await readRuns(db, runIds), prefetched: [] }
    for (const taskId of need) pairs.set(`${e.runId}/${taskId}`, { runId: e.runId, taskId })
  }
  const read = await readRunsWithTasks(db, runIds, [...pairs.values()])
  return { rows: read.runs, prefetched: read.tasks }
}

/** An optimistic batch decided something only the locked path writes: apply it that way. */
export class NeedsLockError extends Error {}


/** Counts how an optimistic batch ended (`baton_optimistic_batches_total`). */
export function countOptimistic(outcome: 'applied' | 'conflict' | 'needs_lock'): void {
  if (metricsEnabled()) batonMetrics().optimisticBatches.add({ outcome })
}
