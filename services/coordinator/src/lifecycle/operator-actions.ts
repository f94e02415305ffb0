import { isTerminalTaskStatus, type CompiledWorkflow, type TaskError, type TaskStatus } from '@baton/shared'
import { TimerKind, type AttemptWrite, type Decision, type MachineEvent, type MachineState, type OperatorEvent, type TaskChange, type TaskView, type TimerKey } from './types.js'

/**
 * What an operator's event does to a run, as pure functions `decide` calls (all of the run's
 * tasks are loaded for them). Each is one decision: the tasks it reopens or marks, the run's
 * counters recomputed from every task's new status, and `task.ready_check` follow-ups that let
 * the reopened tasks whose upstream tasks are done run (or be skipped) in the same transaction.
 *
 * - retry from failure: the failed, upstream_failed and cancelled tasks, and everything they feed,
 *   run again as new attempts; succeeded and skipped tasks keep their outputs.
 * - clear: a task (and its downstream, or its upstream) runs again; a running attempt is aborted.
 * - mark: a task becomes succeeded or failed by hand (a running attempt is aborted), and its
 *   downstream tasks are re-evaluated against the new outcome.
 */

const EMPTY: Decision = Object.freeze({ taskChanges: [], attempts: [], dispatch: [], aborts: [], setTimers: [], clearTimers: [], followUps: [] })

/** Every task downstream of `id` (not `id` itself). */
export function descendants(workflow: CompiledWorkflow, id: string): Set<string> {
  const out = new Set<string>()
  const stack = [...workflow.tasks.get(id)!.downstream]
  while (stack.length > 0) {
    const t = stack.pop()!
    if (out.has(t)) continue
    out.add(t)
    stack.push(...workflow.tasks.get(t)!.downstream)
  }
  return out
}

/** Every task upstream of `id` (not `id` itself). */
export function ancestors(workflow: CompiledWorkflow, id: string): Set<string> {
  const out = new Set<string>()
  const stack = [...workflow.tasks.get(id)!.upstream]
  while (stack.length > 0) {
    const t = stack.pop()!
    if (out.has(t)) continue
    out.add(t)
    stack.push(...workflow.tasks.get(t)!.upstream)
  }
  return out
}

const BAD: readonly TaskStatus[] = ['failed', 'upstream_failed']

/** An outcome as its downstream tasks count it (cancelled counts as failed, as a trigger rule sees it). */
function outcomeOf(status: TaskStatus): 'succeeded' | 'failed' | 'skipped' | undefined {
  if (status === 'succeeded') return 'succeeded'
  if (status === 'skipped') return 'skipped'
  if (status === 'failed' || status === 'upstream_failed' || status === 'cancelled') return 'failed'
  return undefined
}

function attemptTimers(task: TaskView): TimerKey[] {
  if (task.attempt === 0) return []
  return [TimerKind.heartbeat, TimerKind.execution, TimerKind.scheduleToStart, TimerKind.retry].map((kind) => ({ kind, taskId: task.taskId, attempt: task.attempt }))
}

/** Stops whatever a task had in flight: its attempt (aborted, recorded cancelled) and its timers. */
function stopInFlight(task: TaskView, now: Date, reason: string): Pick<Decision, 'aborts' | 'attempts' | 'clearTimers'> {
  const live = task.status === 'running' || task.status === 'queued'
  return {
    aborts: live ? [{ taskId: task.taskId, attempt: task.attempt, reason }] : [],
    attempts: live ? [{ taskId: task.taskId, attempt: task.attempt, status: 'cancelled', at: now } satisfies AttemptWrite] : [],
    clearTimers: isTerminalTaskStatus(task.status) ? [] : attemptTimers(task),
  }
}

interface Plan {
  /** Tasks to put back to `pending`. */
  readonly reopen: ReadonlySet<string>
  /** A task to end by hand, with its status and the columns to write. */
  readonly mark?: { readonly taskId: string; readonly status: 'succeeded' | 'failed'; readonly set: TaskChange['set'] }
}

/**
 * Builds the decision of a plan: the reopened tasks back to `pending` with their upstream counters
 * recomputed from every upstream's new status, the marked task ended, in-flight work stopped,
 * the run's counters recomputed over all tasks (reopening a finished run), and a ready check per
 * reopened task.
 */
function applyPlan(state: MachineState, plan: Plan, now: Date, reason: string): Decision {
  const { workflow, run } = state
  const statusAfter = (id: string): TaskStatus => (plan.reopen.has(id) ? 'pending' : plan.mark?.taskId === id ? plan.mark.status : state.tasks.get(id)!.status)
  const taskChanges: TaskChange[] = []
  const parts: Pick<Decision, 'aborts' | 'attempts' | 'clearTimers'>[] = []
  for (const [id, task] of state.tasks) {
    if (plan.mark?.taskId === id) {
      taskChanges.push({ taskId: id, from: task.status, set: { ...plan.mark.set, status: plan.mark.status, workerId: null, finishedAt: now }, reason })
      parts.push(stopInFlight(task, now, reason))
      continue
    }
    if (!plan.reopen.has(id)) continue
    const counts = { nSucceeded: 0, nFailed: 0, nSkipped: 0 }
    for (const up of workflow.tasks.get(id)!.upstream) {
      const o = outcomeOf(statusAfter(up))
      if (o === 'succeeded') counts.nSucceeded++
      else if (o === 'failed') counts.nFailed++
      else if (o === 'skipped') counts.nSkipped++
    }
    // A new round: no result yet, and the full retry budget counted from the attempts so far.
    taskChanges.push({ taskId: id, from: task.status, set: { status: 'pending', workerId: null, attemptBase: task.attempt, output: null, error: null, reopened: true, ...counts }, reason })
    parts.push(stopInFlight(task, now, reason))
  }
  const all = [...state.tasks.keys()]
  const tasksTerminal = all.filter((id) => isTerminalTaskStatus(statusAfter(id))).length
  const tasksBad = all.filter((id) => BAD.includes(statusAfter(id))).length
  const finished = tasksTerminal >= run.tasksTotal
  const reopened = run.status !== 'running' && run.status !== 'queued'
  const status = finished ? (tasksBad > 0 ? 'failed' : 'succeeded') : 'running'
  return {
    ...EMPTY,
    taskChanges,
    aborts: parts.flatMap((p) => p.aborts),
    attempts: parts.flatMap((p) => p.attempts),
    clearTimers: parts.flatMap((p) => p.clearTimers),
    runChange: {
      from: run.status,
      set: { status, tasksTerminal, tasksBad, ...(finished ? { finishedAt: now } : {}), ...(reopened && !finished ? { cancelReason: null } : {}) },
      reason,
      ...(reopened && !finished ? { reopened: true } : {}),
    },
    // Reopened tasks in graph order: a ready check finds its upstream tasks already settled.
    followUps: workflow.order.filter((id) => plan.reopen.has(id)).map((taskId) => ({ type: 'task.ready_check' as const, taskId })),
  }
}

function ignoredBecause(reason: string): Decision {
  return { ...EMPTY, ignored: reason }
}

/** Retry from failure: only a finished run that did not succeed. */
function retryRun(state: MachineState, by: string, reason: string, now: Date): Decision {
  if (state.run.status !== 'failed' && state.run.status !== 'cancelled') return ignoredBecause(`run is ${state.run.status}: only a failed or cancelled run is retried`)
  const reopen = new Set<string>()
  for (const [id, t] of state.tasks) {
    if (t.status === 'failed' || t.status === 'upstream_failed' || t.status === 'cancelled' || t.status === 'pending') {
      reopen.add(id)
      for (const d of descendants(state.workflow, id)) reopen.add(d)
    }
  }
  if (reopen.size === 0) return ignoredBecause('nothing failed to retry')
  return applyPlan(state, { reopen }, now, `retried from failure by ${by}${reason ? `: ${reason}` : ''}`)
}

function clearTasks(state: MachineState, taskId: string, scope: 'task' | 'downstream' | 'upstream', by: string, reason: string, now: Date): Decision {
  if (state.run.status === 'queued') return ignoredBecause('run has not started')
  const reopen = new Set([taskId, ...(scope === 'downstream' ? descendants(state.workflow, taskId) : scope === 'upstream' ? ancestors(state.workflow, taskId) : [])])
  return applyPlan(state, { reopen }, now, `cleared by ${by}${scope === 'task' ? '' : ` (with its ${scope})`}${reason ? `: ${reason}` : ''}`)
}

function markTask(state: MachineState, taskId: string, status: 'succeeded' | 'failed', by: string, reason: string, now: Date): Decision {
  const task = state.tasks.get(taskId)!
  if (task.status === status) return ignoredBecause(`task is already ${status}`)
  if (state.run.status === 'queued') return ignoredBecause('run has not started')
  const error: TaskError = { message: `marked failed by ${by}: ${reason}`, retryable: false, kind: 'marked_failed' }
  const set: TaskChange['set'] = status === 'succeeded' ? { output: null, error: null } : { error }
  // The downstream tasks decided on the old outcome (or were waiting for it): re-evaluated.
  const reopen = descendants(state.workflow, taskId)
  return applyPlan(state, { reopen, mark: { taskId, status, set } }, now, `marked ${status} by ${by}: ${reason}`)
}

/** An approval task's decision: approved → succeeded, rejected → failed (not retried). */
function decideApproval(state: MachineState, taskId: string, decision: 'approved' | 'rejected', by: string, reason: string | null, now: Date, finish: FinishTask): Decision {
  const task = state.tasks.get(taskId)!
  const def = state.workflow.tasks.get(taskId)!
  if (def.kind !== 'approval') return ignoredBecause(`task ${taskId} is not an approval task`)
  if (task.status !== 'running') return ignoredBecause(`task is ${task.status}: not waiting for approval`)
  const at = now.toISOString()
  if (decision === 'approved') {
    const output = { approved: true, by, reason, at }
    const d = finish(state, task, 'succeeded', now, { output }, `approved by ${by}${reason ? `: ${reason}` : ''}`)
    return { ...d, attempts: [{ taskId, attempt: task.attempt, status: 'succeeded', at: now, output }] }
  }
  const error: TaskError = { message: `rejected by ${by}${reason ? `: ${reason}` : ''}`, retryable: false, kind: 'approval_rejected' }
  const d = finish(state, task, 'failed', now, { error }, error.message)
  return { ...d, attempts: [{ taskId, attempt: task.attempt, status: 'failed', at: now, error }] }
}

/** `finishTask` of the machine, passed in to keep one definition of a task's end. */
export type FinishTask = (state: MachineState, task: TaskView, status: TaskStatus, now: Date, extra: Partial<TaskChange['set']>, reason: string) => Decision

/** The decision for an operator's event (the run may be finished: these reopen it). */
export function decideOperatorEvent(state: MachineState, event: OperatorEvent, now: Date, finish: FinishTask): Decision {
  if (event.type !== 'run.retry_requested' && !state.tasks.has(event.taskId)) return ignoredBecause(`unknown task ${event.taskId}`)
  switch (event.type) {
    case 'run.retry_requested':
      return retryRun(state, event.by, event.reason, now)
    case 'task.clear_requested':
      return clearTasks(state, event.taskId, event.scope, event.by, event.reason, now)
    case 'task.mark_requested':
      return markTask(state, event.taskId, event.status, event.by, event.reason, now)
    case 'approval.decided':
      return decideApproval(state, event.taskId, event.decision, event.by, event.reason, now, finish)
  }
}

/** True for the events an operator sends (checked against the operator's transitions too). */
export function isOperatorEvent(event: MachineEvent): event is OperatorEvent {
  return event.type === 'run.retry_requested' || event.type === 'task.clear_requested' || event.type === 'task.mark_requested' || event.type === 'approval.decided'
}
