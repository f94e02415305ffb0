import { TERMINAL_RUN_STATUSES, type AttemptOutcome, type DeadLetterKind, type RunStatus, type TaskStatus } from '@baton/shared'
import { TimerKind } from '../lifecycle/types.js'
import type { RunWork, TaskTransition } from './run-work.js'

/**
 * What one committed batch did, as plain counts and timings for the shell's metrics: derived
 * from the runs' working copies after every decision was folded in, so nothing is read again.
 */
export interface BatchStats {
  readonly runsStarted: readonly { readonly workflow: string; readonly trigger: string }[]
  readonly runsFinished: readonly { readonly workflow: string; readonly status: RunStatus }[]
  readonly taskTransitions: readonly { readonly workflow: string; readonly status: TaskStatus }[]
  /** Attempts that started: how long they waited queued (null when the queue time is unknown). */
  readonly attemptsStarted: readonly { readonly queue: string; readonly waitedMs: number | null }[]
  /** Attempts that ended: how, and how long they ran (null when they never started). */
  readonly attemptsEnded: readonly { readonly workflow: string; readonly queue: string; readonly outcome: AttemptOutcome; readonly ranMs: number | null }[]
  /** Commands an external event caused (its id), for hand-off latency. */
  readonly dispatchedBy: readonly { readonly eventId: string; readonly queue: string }[]
  readonly deadLetters: readonly DeadLetterKind[]
}

const TIMEOUT_KINDS: ReadonlySet<string> = new Set([TimerKind.heartbeat, TimerKind.execution, TimerKind.scheduleToStart])
const ATTEMPT_ENDS: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'retrying', 'cancelled'])

/** How an attempt ended, when this transition ends one. */
function attemptOutcome(t: TaskTransition): AttemptOutcome | undefined {
  if ((t.from !== 'queued' && t.from !== 'running') || !ATTEMPT_ENDS.has(t.to)) return undefined
  if (t.to === 'succeeded' || t.to === 'cancelled') return t.to
  return t.errorKind !== undefined && TIMEOUT_KINDS.has(t.errorKind) ? 'timed_out' : 'failed'
}

/**
 * The stats of a batch. Dead letters are classified by where the rejected input came from:
 * an input already known invalid, an event for a run that does not exist, or a request the
 * batch refused (unknown workflow, invalid params or partition, oversized backfill).
 */
export function batchStats(
  works: readonly RunWork[],
  rejected: ReadonlyMap<number, string>,
  origin: { readonly invalid: ReadonlySet<number>; readonly events: ReadonlySet<number> },
): BatchStats {
  const runsStarted: { workflow: string; trigger: string }[] = []
  const runsFinished: { workflow: string; status: RunStatus }[] = []
  const taskTransitions: { workflow: string; status: TaskStatus }[] = []
  const attemptsStarted: { queue: string; waitedMs: number | null }[] = []
  const attemptsEnded: { workflow: string; queue: string; outcome: AttemptOutcome; ranMs: number | null }[] = []
  const dispatchedBy: { eventId: string; queue: string }[] = []
  for (const w of works) {
    const workflow = w.view.workflow
    for (const h of w.history) {
      if (h.kind !== 'run' || !h.to) continue
      if (h.to === 'running') runsStarted.push({ workflow, trigger: w.row.trigger })
      else if (TERMINAL_RUN_STATUSES.includes(h.to as RunStatus)) runsFinished.push({ workflow, status: h.to as RunStatus })
    }
    for (const t of w.taskTransitions) {
      const queue = w.workflow.tasks.get(t.taskId)?.queue ?? 'unknown'
      taskTransitions.push({ workflow, status: t.to })
      if (t.from === 'queued' && t.to === 'running') attemptsStarted.push({ queue, waitedMs: t.queuedAt ? t.at.getTime() - t.queuedAt.getTime() : null })
      // A result that implied its start: the attempt started (at its reported time) and ended here.
      if (t.impliedStart) attemptsStarted.push({ queue, waitedMs: t.queuedAt && t.startedAt ? Math.max(0, t.startedAt.getTime() - t.queuedAt.getTime()) : null })
      const outcome = attemptOutcome(t)
      const ran = t.from === 'running' || t.impliedStart
      if (outcome) attemptsEnded.push({ workflow, queue, outcome, ranMs: ran && t.startedAt ? t.at.getTime() - t.startedAt.getTime() : null })
    }
    for (const d of w.liveDispatches()) {
      if (d.eventId !== null) dispatchedBy.push({ eventId: d.eventId, queue: w.workflow.tasks.get(d.taskId)?.queue ?? 'unknown' })
    }
  }
  const deadLetters = [...rejected.keys()].map((ref): DeadLetterKind => (origin.invalid.has(ref) ? 'invalid_message' : origin.events.has(ref) ? 'unknown_run' : 'rejected'))
  return { runsStarted, runsFinished, taskTransitions, attemptsStarted, attemptsEnded, dispatchedBy, deadLetters }
}
