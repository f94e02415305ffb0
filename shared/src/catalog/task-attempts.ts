import type { TaskAttemptsTable } from '../db/types.js'
import type { Selectable } from 'kysely'

/** A data-quality check's verdict, as the check task returned it (`{ passed, details, sample }`). */
export interface CheckResult {
  passed: boolean
  details: unknown
  /** A few offending rows, when the check returned them. */
  sample: unknown
}

/** One attempt of a task: when it was queued, started and finished, and what came of it. */
export interface AttemptDetails {
  attempt: number
  status: string
  workerId: string | null
  queuedAt: string | null
  startedAt: string | null
  finishedAt: string | null
  /** Waiting in the queue for a worker (queued → started), ms. */
  queueWaitMs: number | null
  /** Running (started → finished), ms. */
  durationMs: number | null
  /** The retry backoff before this attempt (the previous attempt's end → this one queued), ms. */
  backoffMs: number | null
  output: unknown
  error: unknown
  /** A check task's verdict, when this attempt was one. */
  check: CheckResult | null
}

/** An instant as the catalog shows it (ISO 8601, UTC), or null. */
export const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString())

/** Milliseconds from one instant to another (never negative), or null when either is missing. */
export const between = (from: Date | string | null, to: Date | string | null): number | null =>
  from === null || to === null ? null : Math.max(0, new Date(to).getTime() - new Date(from).getTime())

/** A check verdict from an attempt's output (a passed check) or details (a failed one: `details.check`). */
export function checkOf(output: unknown, details: unknown): CheckResult | null {
  const v = ((details as { check?: unknown } | null)?.check ?? output) as { passed?: unknown; details?: unknown; sample?: unknown } | null
  if (v === null || typeof v !== 'object' || typeof v.passed !== 'boolean') return null
  return { passed: v.passed, details: v.details ?? null, sample: v.sample ?? null }
}

/** Attempt rows (ordered by task, then attempt) grouped by task id, each with its waits and backoff. */
export function attemptDetailsByTask(rows: readonly Selectable<TaskAttemptsTable>[]): Map<string, AttemptDetails[]> {
  const byTask = new Map<string, AttemptDetails[]>()
  const previousEnd = new Map<string, Date | null>()
  for (const a of rows) {
    const list = byTask.get(a.task_id) ?? []
    const prevEnd = previousEnd.get(a.task_id) ?? null
    list.push({
      attempt: a.attempt,
      status: a.status,
      workerId: a.worker_id,
      queuedAt: iso(a.queued_at),
      startedAt: iso(a.started_at),
      finishedAt: iso(a.finished_at),
      queueWaitMs: between(a.queued_at, a.started_at),
      durationMs: between(a.started_at, a.finished_at),
      backoffMs: a.attempt > 1 ? between(prevEnd, a.queued_at) : null,
      output: a.output,
      error: a.error,
      check: checkOf(a.output, a.details),
    })
    byTask.set(a.task_id, list)
    previousEnd.set(a.task_id, a.finished_at)
  }
  return byTask
}
