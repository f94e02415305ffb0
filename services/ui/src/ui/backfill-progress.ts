import type { Schemas } from '../api/client'

/**
 * A backfill's progress from its run counts: how many of the partitions it has to run are done,
 * what is in flight, and what is still to start (runs start `concurrency` at a time). Partitions
 * skipped because they were already done count neither as work nor as progress.
 */

/** One backfill of GET /backfills. */
export type Backfill = Schemas['Backfill']

/** A run status and how many of the backfill's runs are in it (a bar segment). */
export interface ProgressSegment {
  status: 'succeeded' | 'failed' | 'cancelled' | 'running' | 'queued' | 'pending'
  count: number
}

/** A backfill's progress in numbers and words. */
export interface BackfillProgress {
  /** Partitions it runs: those in the range, less the skipped ones. */
  planned: number
  /** Runs that finished (succeeded, failed or cancelled). */
  finished: number
  /** Whole percent of `planned` finished (100 when there is nothing to run). */
  percent: number
  segments: ProgressSegment[]
  /** E.g. `5 of 8 partitions finished (62%): 4 succeeded, 1 failed; 2 running, 1 not started`. */
  text: string
}

/** The progress of a backfill. */
export function backfillProgress(b: Pick<Backfill, 'partitions' | 'skipped' | 'runs'>): BackfillProgress {
  const r = b.runs
  const planned = Math.max(0, b.partitions - b.skipped)
  const finished = r.succeeded + r.failed + r.cancelled
  const pending = Math.max(0, planned - r.total)
  const segments: ProgressSegment[] = (
    [
      { status: 'succeeded', count: r.succeeded },
      { status: 'failed', count: r.failed },
      { status: 'cancelled', count: r.cancelled },
      { status: 'running', count: r.running },
      { status: 'queued', count: r.queued },
      { status: 'pending', count: pending },
    ] as const
  ).filter((s) => s.count > 0)
  const percent = planned === 0 ? 100 : Math.floor((finished / planned) * 100)
  const skipped = b.skipped ? `; ${b.skipped} skipped (already done)` : ''
  if (planned === 0) return { planned, finished, percent, segments, text: `Nothing to run: all ${b.partitions} partitions were already done` }
  const done = segments.filter((s) => ['succeeded', 'failed', 'cancelled'].includes(s.status)).map((s) => `${s.count} ${s.status}`)
  const open = segments.filter((s) => ['running', 'queued', 'pending'].includes(s.status)).map((s) => `${s.count} ${s.status === 'pending' ? 'not started' : s.status}`)
  const text = `${finished} of ${planned} partitions finished (${percent}%)${done.length ? `: ${done.join(', ')}` : ''}${open.length ? `; ${open.join(', ')}` : ''}${skipped}`
  return { planned, finished, percent, segments, text }
}

/** Whether cancelling can still change anything (runs are queued or running). */
export function canBeCancelled(b: Pick<Backfill, 'status'>): boolean {
  return b.status === 'running'
}

/** Whether "Rerun failed" has something to rerun: a finished backfill with failed or cancelled runs. */
export function hasFailuresToRerun(b: Pick<Backfill, 'status' | 'runs'>): boolean {
  return b.status !== 'running' && b.runs.failed + b.runs.cancelled > 0
}

/** Whether a partition lies in a backfill's range (partitions of one workflow sort as text). */
export function inRange(partition: string | null, b: Pick<Backfill, 'from' | 'to'>): boolean {
  return partition !== null && partition >= b.from && partition <= b.to
}

/**
 * When the next backfill over an overlapping range of the same workflow started (undefined if
 * none): runs of this backfill are those created before it. GET /runs cannot filter by backfill
 * id, so this bounds the runs listed for a backfill by time instead.
 */
export function nextOverlappingStart(b: Pick<Backfill, 'id' | 'workflow' | 'from' | 'to' | 'createdAt'>, all: readonly Pick<Backfill, 'id' | 'workflow' | 'from' | 'to' | 'createdAt'>[]): string | undefined {
  return all
    .filter((o) => o.id !== b.id && o.workflow === b.workflow && o.createdAt > b.createdAt && o.from <= b.to && o.to >= b.from)
    .map((o) => o.createdAt)
    .sort()[0]
}
