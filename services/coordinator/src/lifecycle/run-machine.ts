import { isMapInstanceId, isTerminalTaskStatus, parseMapInstanceId, type CompiledTask, type TaskError, type TaskStatus } from '@baton/shared'
import { retryDelayMs } from './backoff.js'
import { branchChoice } from './branch-choice.js'
import { evaluateTriggerRule } from './trigger-rules.js'
import { checkRunTransition, checkTaskTransition } from './transitions.js'
import { decideOperatorEvent, isOperatorEvent } from './operator-actions.js'
import { decideMapEvent, instanceEnded, isMappedTask, startMap } from './map-decisions.js'
import { TimerKind, type Decision, type MachineEvent, type MachineState, type OperatorEvent, type TaskChange, type TaskView, type TimerKey } from './types.js'

/**
 * The run state machine: a pure function `(state, event, now) → decision`. No I/O, no clock,
 * no randomness: the coordinator's shell loads the state, applies the decision and sends.
 *
 * Task lifecycle (TaskStatus):
 * - `pending`: waiting for upstream tasks. Exits: `queued` when its trigger rule says run;
 *   `skipped` / `upstream_failed` when the rule can no longer be met; `cancelled`.
 * - `queued`: a command for attempt N is in the outbox/queue. Exits: `running` (started),
 *   `succeeded`/`failed` (a result without a seen start), `retrying`/`failed` (schedule-to-start
 *   timeout), `cancelled`.
 * - `running`: a worker reported start of attempt N. Exits: `succeeded`, `retrying` (a retryable
 *   failure, timeout or lost heartbeat with attempts left), `failed`, `cancelled`.
 * - `retrying`: waiting for the backoff timer. Exit: `queued` with attempt N+1; `cancelled`.
 * - terminal: `succeeded`, `failed`, `skipped`, `upstream_failed`, `cancelled`.
 *
 * Run lifecycle: `queued` → `running` (roots dispatched) → `succeeded` | `failed` once every
 * task is terminal (failed when any is `failed`/`upstream_failed`); `cancelled` on request.
 */

/**
 * Most downstream tasks the transaction finishing a task notifies. A wider fan-out goes on in
 * chunks, each its own transaction driven by a `fanout_continue` timer, so the first children's
 * commands leave after one chunk is written instead of after all of them (issue 11: a
 * 10,000-child fan-out's first command came 1.9 s after the parent's result, all of it waiting
 * for one 10,000-row transaction). Later chunks double (up to FANOUT_CHUNK_MAX): the children
 * already running keep the workers busy, and fewer transactions finish the fan-out sooner.
 */
export const FANOUT_CHUNK = 200
/** Largest later chunk of a fan-out. */
export const FANOUT_CHUNK_MAX = 2000

/** The end of the chunk of downstream tasks starting at `from` (of `total`). */
export function fanoutChunkEnd(from: number, total: number): number {
  return Math.min(total, from + Math.min(FANOUT_CHUNK_MAX, Math.max(FANOUT_CHUNK, from)))
}

const NONE = Object.freeze([]) as readonly never[]
const EMPTY: Decision = Object.freeze({ taskChanges: NONE, attempts: NONE, dispatch: NONE, aborts: NONE, setTimers: NONE, clearTimers: NONE, followUps: NONE })

function ignored(reason: string): Decision {
  return { ...EMPTY, ignored: reason }
}

/** Which task rows the shell must load before calling `decide` ('all' for run-wide events). */
export function tasksNeeded(event: MachineEvent, state: Pick<MachineState, 'workflow'>): readonly string[] | 'all' {
  switch (event.type) {
    case 'run.started':
      return state.workflow.roots
    case 'run.cancel_requested':
    case 'run.retry_requested':
    case 'task.clear_requested':
    case 'task.mark_requested':
    case 'approval.decided':
      return 'all'
    default:
      return [event.taskId]
  }
}

/**
 * What the shell loads before deciding: `tasksNeeded` plus what the event's follow-ups will
 * need (a finished task's direct successors), so a hand-off costs one read, not two.
 */
export function tasksToPrefetch(event: MachineEvent, state: Pick<MachineState, 'workflow'>): readonly string[] | 'all' {
  const need = tasksNeeded(event, state)
  if (need === 'all') return need
  // An instance's end counts on its mapped task's row, not on the mapped task's downstream.
  if ((event.type === 'task.succeeded' || event.type === 'task.failed') && isMapInstanceId(event.taskId)) return [...need, parseMapInstanceId(event.taskId)!.taskId]
  const downstream = event.type === 'task.succeeded' || event.type === 'task.failed' ? (state.workflow.tasks.get(event.taskId)?.downstream ?? []) : []
  if (event.type === 'timer.fired' && event.kind === TimerKind.fanout) {
    const from = event.nextIndex ?? 0
    const all = state.workflow.tasks.get(event.taskId)?.downstream ?? []
    return [...need, ...all.slice(from, fanoutChunkEnd(from, all.length))]
  }
  return downstream.length === 0 ? need : [...need, ...downstream.slice(0, FANOUT_CHUNK)]
}

/** The timers one attempt may have set (heartbeat, execution, schedule-to-start): cleared when it ends. */
export function attemptTimers(taskId: string, attempt: number): TimerKey[] {
  return [TimerKind.heartbeat, TimerKind.execution, TimerKind.scheduleToStart].map((kind) => ({ kind, taskId, attempt }))
}

/**
 * Builds the decision that puts a task in `queued` for `attempt` and dispatches it. An approval
 * or sub-workflow task instead goes to `running` with no command and no worker: it waits for a
 * decision or for its child run (its execution timeout, when set, is the deadline).
 */
function queueTask(task: TaskView, def: CompiledTask, attempt: number, now: Date, reason: string): Decision {
  // A mapped task runs its instances, not itself (lifecycle/map-decisions.ts).
  if (isMappedTask(def, task.taskId)) return startMap(task, def, attempt, now, reason)
  // Neither takes a worker: an approval waits for a decision, a sub-workflow for its child run
  // (the shell starts it on this transition: apply/sub-workflows.ts).
  if (def.kind === 'approval' || def.subWorkflow) {
    const ex = def.timeouts.executionMs
    const waiting = def.subWorkflow ? `waiting for a run of ${def.subWorkflow.workflow}` : 'waiting for approval'
    return {
      ...EMPTY,
      taskChanges: [{ taskId: task.taskId, from: task.status, set: { status: 'running', attempt, workerId: null, error: null, queuedAt: now, startedAt: now }, reason: `${reason}; ${waiting}` }],
      attempts: [{ taskId: task.taskId, attempt, insert: true, status: 'running', at: now }],
      setTimers: ex === undefined ? [] : [{ kind: TimerKind.execution, taskId: task.taskId, attempt, fireAt: new Date(now.getTime() + ex) }],
    }
  }
  const sts = def.timeouts.scheduleToStartMs
  return {
    ...EMPTY,
    taskChanges: [{ taskId: task.taskId, from: task.status, set: { status: 'queued', attempt, workerId: null, error: null, queuedAt: now }, reason }],
    attempts: [{ taskId: task.taskId, attempt, insert: true, status: 'queued', at: now }],
    dispatch: [{ taskId: task.taskId, attempt }],
    setTimers: sts === undefined ? [] : [{ kind: TimerKind.scheduleToStart, taskId: task.taskId, attempt, fireAt: new Date(now.getTime() + sts) }],
  }
}

/** How a finished task's downstream count its outcome. */
function outcomeOf(status: TaskStatus): 'succeeded' | 'failed' | 'skipped' {
  return status === 'succeeded' ? 'succeeded' : status === 'skipped' ? 'skipped' : 'failed'
}

/**
 * Tells a finished task's downstream tasks its outcome, from `from` on: at most FANOUT_CHUNK of
 * them now, and a `fanout_continue` timer (due at once) for the rest. A branch notifies all at
 * once: its follow-ups are rewritten from its output, which a later chunk would not have.
 */
function notifyDownstream(def: CompiledTask, attempt: number, outcome: 'succeeded' | 'failed' | 'skipped', from: number, now: Date): Pick<Decision, 'followUps' | 'setTimers'> {
  const all = def.downstream
  const to = def.kind === 'branch' ? all.length : fanoutChunkEnd(from, all.length)
  const followUps = all.slice(from, to).map((d) => ({ type: 'upstream.resolved' as const, taskId: d, upstreamId: def.id, outcome }))
  if (to >= all.length) return { followUps, setTimers: NONE }
  return { followUps, setTimers: [{ kind: TimerKind.fanout, taskId: def.id, attempt, nextIndex: to, fireAt: now }] }
}

/** Run-level bookkeeping when a task reaches a terminal status. */
function terminalEffects(state: MachineState, task: TaskView, status: TaskStatus, now: Date): Pick<Decision, 'runChange' | 'followUps' | 'setTimers'> {
  const taskId = task.taskId
  // An instance is not one of the run's tasks: its mapped task counts it, and ends with the last.
  if (isMapInstanceId(taskId)) return instanceEnded(taskId, status)
  const run = state.run
  const def = state.workflow.tasks.get(taskId)!
  const bad = status === 'failed' || status === 'upstream_failed' ? 1 : 0
  const tasksTerminal = run.tasksTerminal + 1
  const tasksBad = run.tasksBad + bad
  const done = tasksTerminal >= run.tasksTotal && run.status !== 'cancelled'
  return {
    runChange: {
      from: run.status,
      set: { tasksTerminal, tasksBad, ...(done ? { status: tasksBad > 0 ? 'failed' : 'succeeded', finishedAt: now } : {}) },
      ...(done ? { reason: tasksBad > 0 ? `${tasksBad} task(s) failed or upstream_failed` : 'every task finished' } : {}),
    },
    // A cancelled task's downstream are cancelled with the run, not resolved.
    ...(status === 'cancelled' ? { followUps: NONE, setTimers: NONE } : notifyDownstream(def, task.attempt, outcomeOf(status), 0, now)),
  }
}

/** Ends a task in a terminal status, with its attempt, timers and cascade. */
function finishTask(state: MachineState, task: TaskView, status: TaskStatus, now: Date, extra: Partial<TaskChange['set']>, reason: string): Decision {
  return {
    ...EMPTY,
    taskChanges: [{ taskId: task.taskId, from: task.status, set: { status, finishedAt: now, ...extra }, reason }],
    clearTimers: task.attempt > 0 ? attemptTimers(task.taskId, task.attempt) : [],
    ...terminalEffects(state, task, status, now),
  }
}

/**
 * When a handler started, as its worker reported it: never after the coordinator saw the event
 * (a worker clock running ahead must not put the start after the finish).
 */
function handlerStart(reported: Date | undefined, now: Date): Date {
  return reported && reported.getTime() < now.getTime() ? reported : now
}

/**
 * The start a result implies when the task is still `queued`: the worker ran the handler and
 * published no `started` before its result (the deferred start; docs/architecture.md).
 */
function impliedStart(task: TaskView, reported: Date | undefined, now: Date): { startedAt?: Date } {
  return task.status === 'queued' ? { startedAt: handlerStart(reported, now) } : {}
}

/** A failed attempt: retry after backoff when allowed, else fail the task. */
function failAttempt(state: MachineState, task: TaskView, error: TaskError, now: Date, workerId: string | undefined, details?: Record<string, unknown>, reportedStart?: Date): Decision {
  const def = state.workflow.tasks.get(task.taskId)!
  // A timeout or an operator never starts an attempt; only a worker's result implies its start.
  const implied = workerId ? impliedStart(task, reportedStart, now) : {}
  const attemptWrite = { taskId: task.taskId, attempt: task.attempt, at: now, error, ...implied, ...(workerId ? { workerId } : {}), ...(details ? { details } : {}) }
  const round = task.attempt - task.attemptBase
  if (error.retryable && round < def.retry.attempts) {
    const delay = retryDelayMs(def.retry, round, `${state.run.id}:${task.taskId}`)
    return {
      ...EMPTY,
      taskChanges: [{ taskId: task.taskId, from: task.status, set: { status: 'retrying', error, ...implied }, reason: `attempt ${task.attempt} failed (${error.kind}); retry in ${delay}ms` }],
      attempts: [{ ...attemptWrite, status: 'failed' }],
      clearTimers: attemptTimers(task.taskId, task.attempt),
      setTimers: [{ kind: TimerKind.retry, taskId: task.taskId, attempt: task.attempt, fireAt: new Date(now.getTime() + delay) }],
    }
  }
  const why = error.retryable ? `attempt ${round} of ${def.retry.attempts} failed (${error.kind})` : `failed, not retryable (${error.kind})`
  const d = finishTask(state, task, 'failed', now, { error, ...implied }, why)
  return { ...d, attempts: [{ ...attemptWrite, status: 'failed' }] }
}

function currentAttempt(task: TaskView | undefined, attempt: number, allowed: readonly TaskStatus[]): string | undefined {
  if (!task) return 'unknown task'
  if (attempt !== task.attempt) return `stale attempt ${attempt} (current ${task.attempt}, ${task.status})`
  if (!allowed.includes(task.status)) return `task is ${task.status}`
  return undefined
}

/** Applies one event to a run. Pure: the same inputs always give the same decision. */
export function decide(state: MachineState, event: MachineEvent, now: Date): Decision {
  const operator = isOperatorEvent(event)
  const d = operator ? decideOperatorEvent(state, event, now, finishTask) : decideEvent(state, event, now)
  // Every status change must be one the transition table allows (transitions.ts).
  for (const c of d.taskChanges) if (c.set.status !== undefined) checkTaskTransition(c.from, c.set.status, { runId: state.run.id, taskId: c.taskId }, operator)
  if (d.runChange?.set.status !== undefined) checkRunTransition(d.runChange.from, d.runChange.set.status, state.run.id, operator)
  return d
}

function decideEvent(state: MachineState, event: Exclude<MachineEvent, OperatorEvent>, now: Date): Decision {
  const run = state.run
  if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') {
    // A worker still starting or beating for a finished run (a redelivered command) must stop.
    if (event.type === 'task.started' || event.type === 'task.heartbeat') {
      return { ...ignored(`run is ${run.status}`), aborts: [{ taskId: event.taskId, attempt: event.attempt, workerId: event.workerId, reason: `run ${run.status}` }] }
    }
    return ignored(`run is ${run.status}`)
  }
  switch (event.type) {
    case 'run.started': {
      if (run.status !== 'queued') return ignored(`run is ${run.status}`)
      const parts = state.workflow.roots.map((id) => queueTask(state.tasks.get(id)!, state.workflow.tasks.get(id)!, 1, now, 'root task'))
      return {
        ...merge(parts),
        runChange: { from: run.status, set: { status: 'running', startedAt: now }, reason: 'run started' },
      }
    }

    case 'run.cancel_requested': {
      const parts: Decision[] = []
      for (const t of state.tasks.values()) {
        if (isTerminalTaskStatus(t.status)) continue
        parts.push({
          ...EMPTY,
          taskChanges: [{ taskId: t.taskId, from: t.status, set: { status: 'cancelled', finishedAt: now }, reason: event.reason }],
          clearTimers: t.attempt > 0 ? [...attemptTimers(t.taskId, t.attempt), { kind: TimerKind.retry, taskId: t.taskId, attempt: t.attempt }] : [],
          aborts: t.status === 'running' || t.status === 'queued' ? [{ taskId: t.taskId, attempt: t.attempt, reason: 'run cancelled' }] : [],
          ...(t.status === 'running' || t.status === 'queued' ? { attempts: [{ taskId: t.taskId, attempt: t.attempt, status: 'cancelled' as const, at: now }] } : {}),
        })
      }
      const terminalNow = [...state.tasks.values()].filter((t) => !isTerminalTaskStatus(t.status)).length
      return {
        ...merge(parts),
        runChange: {
          from: run.status,
          set: { status: 'cancelled', cancelReason: event.reason, finishedAt: now, tasksTerminal: run.tasksTerminal + terminalNow },
          reason: event.reason,
        },
      }
    }

    case 'task.started': {
      const task = state.tasks.get(event.taskId)
      if (task && task.status === 'running' && task.attempt === event.attempt && task.workerId === event.workerId) return ignored('duplicate start')
      const stale = currentAttempt(task, event.attempt, ['queued'])
      if (stale) {
        // Another worker (or an old attempt) must not keep running: tell it to stop.
        return { ...ignored(stale), aborts: [{ taskId: event.taskId, attempt: event.attempt, workerId: event.workerId, reason: stale }] }
      }
      const def = state.workflow.tasks.get(event.taskId)!
      const t = task!
      const startedAt = handlerStart(event.startedAt, now)
      return {
        ...EMPTY,
        taskChanges: [{ taskId: t.taskId, from: t.status, set: { status: 'running', workerId: event.workerId, startedAt }, reason: `started on ${event.workerId}` }],
        attempts: [{ taskId: t.taskId, attempt: t.attempt, status: 'running', workerId: event.workerId, at: startedAt }],
        clearTimers: [{ kind: TimerKind.scheduleToStart, taskId: t.taskId, attempt: t.attempt }],
        setTimers: [
          { kind: TimerKind.heartbeat, taskId: t.taskId, attempt: t.attempt, fireAt: new Date(now.getTime() + def.timeouts.heartbeatMs) },
          ...(def.timeouts.executionMs === undefined
            ? []
            : [{ kind: TimerKind.execution, taskId: t.taskId, attempt: t.attempt, fireAt: new Date(now.getTime() + def.timeouts.executionMs) }]),
        ],
      }
    }

    case 'task.heartbeat': {
      const task = state.tasks.get(event.taskId)
      const stale = currentAttempt(task, event.attempt, ['running'])
      if (stale || task!.workerId !== event.workerId) {
        const why = stale ?? `attempt runs on ${task!.workerId}`
        return { ...ignored(why), aborts: [{ taskId: event.taskId, attempt: event.attempt, workerId: event.workerId, reason: why }] }
      }
      const def = state.workflow.tasks.get(event.taskId)!
      return { ...EMPTY, setTimers: [{ kind: TimerKind.heartbeat, taskId: event.taskId, attempt: event.attempt, fireAt: new Date(now.getTime() + def.timeouts.heartbeatMs) }] }
    }

    case 'task.succeeded': {
      const task = state.tasks.get(event.taskId)
      const stale = currentAttempt(task, event.attempt, ['running', 'queued'])
      if (stale) return ignored(stale)
      const t = task!
      const def = state.workflow.tasks.get(t.taskId)!
      if (def.kind === 'check') {
        // A gate passes only on an explicit verdict: a check that printed nothing usable must not
        // let downstream run on data nobody checked.
        const passed = (event.output as { passed?: unknown } | null)?.passed
        if (passed !== true) {
          const error: TaskError =
            passed === false
              ? { message: 'data-quality check failed', retryable: false, kind: 'check_failed' }
              : { message: 'check returned no verdict: its output must be an object with passed: true or false (and optionally details, sample)', retryable: false, kind: 'check_invalid' }
          return failAttempt(state, t, error, now, event.workerId, { ...event.details, check: event.output }, event.startedAt)
        }
      }
      // A branch's choice is read before it succeeds: a choice naming no direct downstream task fails it.
      const choice = def.kind === 'branch' ? branchChoice(event.output, t.taskId, def.downstream) : undefined
      if (choice && 'error' in choice) return failAttempt(state, t, choice.error, now, event.workerId, { ...event.details, branch: event.output ?? null }, event.startedAt)
      const implied = impliedStart(t, event.startedAt, now)
      const d = finishTask(state, t, 'succeeded', now, { output: event.output ?? null, workerId: event.workerId, ...implied }, `attempt ${t.attempt} succeeded`)
      let followUps = d.followUps
      if (choice) {
        followUps = d.followUps.map((f) =>
          f.type === 'upstream.resolved' && !choice.follow.has(f.taskId) ? { type: 'branch.skipped' as const, taskId: f.taskId, branchId: t.taskId } : f,
        )
      }
      return {
        ...d,
        followUps,
        attempts: [{ taskId: t.taskId, attempt: t.attempt, status: 'succeeded', workerId: event.workerId, at: now, ...implied, output: event.output ?? null, ...(event.details ? { details: event.details } : {}) }],
      }
    }

    case 'task.failed': {
      const task = state.tasks.get(event.taskId)
      const stale = currentAttempt(task, event.attempt, ['running', 'queued'])
      if (stale) return ignored(stale)
      return failAttempt(state, task!, event.error, now, event.workerId, event.details, event.startedAt)
    }

    case 'timer.fired': {
      // SLA deadlines concern the run, not a task: the shell raises their alert.
      if (event.kind === TimerKind.sla) return ignored('sla timers are handled by the shell')
      // Reaches the machine only when the mapped task no longer runs that attempt (the shell turns a live one into map.expanded).
      if (event.kind === TimerKind.mapExpand) return ignored(`mapped task ${event.taskId} no longer runs attempt ${event.attempt}`)
      const task = state.tasks.get(event.taskId)
      if (event.kind === TimerKind.fanout) {
        // The next chunk of a wide fan-out, only for the outcome it was set for: a task reopened
        // since (cleared, retried) tells its downstream again when it finishes again.
        if (!task || task.attempt !== event.attempt || !isTerminalTaskStatus(task.status) || task.status === 'cancelled') return ignored(`task is ${task?.status ?? 'unknown'}, attempt ${task?.attempt ?? 0}`)
        return { ...EMPTY, ...notifyDownstream(state.workflow.tasks.get(task.taskId)!, task.attempt, outcomeOf(task.status), event.nextIndex ?? 0, now) }
      }
      if (event.kind === TimerKind.retry) {
        const stale = currentAttempt(task, event.attempt, ['retrying'])
        if (stale) return ignored(stale)
        return queueTask(task!, state.workflow.tasks.get(event.taskId)!, event.attempt + 1, now, `retry after attempt ${event.attempt}`)
      }
      const allowed: TaskStatus[] = event.kind === TimerKind.scheduleToStart ? ['queued'] : ['running']
      const stale = currentAttempt(task, event.attempt, allowed)
      if (stale) return ignored(stale)
      const t = task!
      if (state.workflow.tasks.get(t.taskId)!.kind === 'approval') {
        // Nobody decided in time: fail closed, no retry.
        const error: TaskError = { message: `no approval within the timeout (attempt ${t.attempt})`, retryable: false, kind: 'approval_timeout' }
        return failAttempt(state, t, error, now, undefined)
      }
      const error: TaskError = { message: `${event.kind.replace(/_/g, ' ')} after attempt ${t.attempt}`, retryable: true, kind: event.kind }
      const d = failAttempt(state, t, error, now, t.workerId ?? undefined)
      return { ...d, aborts: [{ taskId: t.taskId, attempt: t.attempt, reason: error.message }] }
    }

    case 'upstream.resolved': {
      const task = state.tasks.get(event.taskId)
      if (!task || task.status !== 'pending') return ignored(`task is ${task?.status ?? 'unknown'}`)
      const def = state.workflow.tasks.get(task.taskId)!
      const counts = {
        nSucceeded: task.nSucceeded + (event.outcome === 'succeeded' ? 1 : 0),
        nFailed: task.nFailed + (event.outcome === 'failed' ? 1 : 0),
        nSkipped: task.nSkipped + (event.outcome === 'skipped' ? 1 : 0),
      }
      const rule = evaluateTriggerRule(def.trigger, { total: task.nUpstream, succeeded: counts.nSucceeded, failed: counts.nFailed, skipped: counts.nSkipped })
      const counted: TaskChange = { taskId: task.taskId, from: task.status, set: counts }
      if (rule === 'wait') return { ...EMPTY, taskChanges: [counted] }
      if (rule === 'run') {
        // attempt + 1: a task an operator reopened already has attempts.
        const q = queueTask({ ...task, ...counts }, def, task.attempt + 1, now, `trigger rule ${def.trigger} met`)
        return { ...q, taskChanges: [{ ...q.taskChanges[0]!, set: { ...counts, ...q.taskChanges[0]!.set } }] }
      }
      const d = finishTask(state, task, rule, now, counts, `trigger rule ${def.trigger} cannot be met (upstream ${event.upstreamId} ${event.outcome})`)
      return d
    }

    case 'task.ready_check': {
      // A task an operator reopened: run it now if its upstream tasks allow it, else it waits
      // for their outcomes like any pending task.
      const task = state.tasks.get(event.taskId)
      if (!task || task.status !== 'pending') return ignored(`task is ${task?.status ?? 'unknown'}`)
      const def = state.workflow.tasks.get(task.taskId)!
      const rule = task.nUpstream === 0 ? 'run' : evaluateTriggerRule(def.trigger, { total: task.nUpstream, succeeded: task.nSucceeded, failed: task.nFailed, skipped: task.nSkipped })
      if (rule === 'wait') return EMPTY
      if (rule === 'run') return queueTask(task, def, task.attempt + 1, now, 'reopened; upstream allows it')
      return finishTask(state, task, rule, now, {}, `trigger rule ${def.trigger} cannot be met`)
    }

    case 'map.expanded':
    case 'map.invalid':
    case 'map.instance_resolved':
      return decideMapEvent(state, event, now, finishTask)

    case 'branch.skipped': {
      const task = state.tasks.get(event.taskId)
      if (!task || task.status !== 'pending') return ignored(`task is ${task?.status ?? 'unknown'}`)
      return finishTask(state, task, 'skipped', now, {}, `branch ${event.branchId} did not choose it`)
    }
  }
}

/** Concatenates decisions that touch different tasks of the same run (no run change). */
export function merge(parts: readonly Decision[]): Decision {
  if (parts.length === 1) return parts[0]!
  return {
    taskChanges: parts.flatMap((p) => p.taskChanges),
    attempts: parts.flatMap((p) => p.attempts),
    dispatch: parts.flatMap((p) => p.dispatch),
    aborts: parts.flatMap((p) => p.aborts),
    setTimers: parts.flatMap((p) => p.setTimers),
    clearTimers: parts.flatMap((p) => p.clearTimers),
    followUps: parts.flatMap((p) => p.followUps),
  }
}
