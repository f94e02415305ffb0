import { batonMetrics, metricsEnabled, type Db, type RunRow } from '@baton/shared'
import { GuardedWriteError } from '../db/batch-write.js'
import { lockRuns, readRuns } from '../db/runs.js'
import { readRunsWithTasks, type LoadedTaskView } from '../db/tasks.js'
import { tasksToPrefetch } from '../lifecycle/run-machine.js'
import type { ApplyContext, BatchInput, RunEventItem } from './apply-batch.js'

// The optimistic path of applyBatch (docs/architecture.md, "The optimistic path"): which batches
// may take it, how they read, and how it ended.

/**
 * Most events in a batch tried optimistically. The optimistic path is for latency: an idle
 * coordinator's batch is one task's start and result. Under load batches are large, their round
 * trips are shared by hundreds of events, and a large batch is likely to hold a decision only the
 * locked path writes (a run finishing) — deciding it twice cost 20% of `make bench`'s throughput.
 */
export const OPTIMISTIC_MAX_EVENTS = 16

/**
 * A small batch of workers' task events for ONE run: the hand-off path, whose decisions touch
 * that run's task rows and nothing else. One run, so two optimistic writes never lock rows of
 * two runs in opposite orders.
 */
export function optimisticBatch(input: BatchInput): boolean {
  const only = (xs: readonly unknown[] | undefined) => (xs ?? []).length === 0
  if (!only(input.requests) || !only(input.timers) || !only(input.landings) || !only(input.backfills) || !only(input.pauses) || !only(input.starts)) return false
  const events = input.events ?? []
  if (events.length === 0 || events.length > OPTIMISTIC_MAX_EVENTS || events.some((e) => e.runId !== events[0]!.runId)) return false
  return events.every((e) => e.event.type === 'task.started' || e.event.type === 'task.heartbeat' || e.event.type === 'task.succeeded' || e.event.type === 'task.failed')
}

/**
 * An optimistic write that lost: its rows changed (a guarded update found none), or Postgres
 * broke a deadlock with a locked batch of the same run (which locks the run row first, then its
 * tasks; the one statement takes them in no set order) by aborting it. Either way nothing of it
 * was kept, and the locked path decides again.
 */
export function isOptimisticConflict(e: unknown): boolean {
  return e instanceof GuardedWriteError || (e as { code?: string }).code === '40P01'
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
