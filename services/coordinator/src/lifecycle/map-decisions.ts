import { parseMapInstanceId, type CompiledTask, type TaskError, type TaskStatus } from '@baton/shared'
import { TimerKind, type Decision, type MachineEvent, type MachineState, type TaskChange, type TaskView } from './types.js'

// Dynamic fan-out (docs/architecture.md, "Mapped tasks"). A mapped task that may run does not
// go to a worker: it waits `running` while its instances `task[i]` run, created a chunk per
// transaction from its upstream list by the shell (apply/map-expansion.ts). Each instance is a
// task of its own (attempts, retries, timeouts); its end counts on the mapped task's row, and
// the last one ends the mapped task: succeeded when every instance did, else failed.

const NONE = Object.freeze([]) as readonly never[]
const EMPTY: Decision = Object.freeze({ taskChanges: NONE, attempts: NONE, dispatch: NONE, aborts: NONE, setTimers: NONE, clearTimers: NONE, followUps: NONE })

/** What the map decisions borrow from the machine: ending a task with its cascade. */
export type FinishTask = (state: MachineState, task: TaskView, status: TaskStatus, now: Date, extra: Partial<TaskChange['set']>, reason: string) => Decision

/** Whether `taskId` runs as a mapped task (the task itself, not one of its instances). */
export function isMappedTask(def: CompiledTask, taskId: string): boolean {
  return def.map !== undefined && def.id === taskId
}

/** A mapped task allowed to run: `running` with no worker, its first chunk of instances due at once. */
export function startMap(task: TaskView, def: CompiledTask, attempt: number, now: Date, reason: string): Decision {
  return {
    ...EMPTY,
    taskChanges: [
      {
        taskId: task.taskId,
        from: task.status,
        set: { status: 'running', attempt, workerId: null, error: null, queuedAt: now, startedAt: now, mapTotal: null, mapSucceeded: 0, mapFailed: 0 },
        reason: `${reason}; mapping over ${def.map!.from}`,
      },
    ],
    attempts: [{ taskId: task.taskId, attempt, insert: true, status: 'running', at: now }],
    setTimers: [{ kind: TimerKind.mapExpand, taskId: task.taskId, attempt, nextIndex: 0, fireAt: now }],
  }
}

/** The follow-up an instance's end sends to its mapped task (none for a cancelled instance: the mapped task ended first). */
export function instanceEnded(instanceId: string, status: TaskStatus): Pick<Decision, 'followUps' | 'setTimers'> {
  const instance = parseMapInstanceId(instanceId)!
  if (status === 'cancelled') return { followUps: NONE, setTimers: NONE }
  return { followUps: [{ type: 'map.instance_resolved', taskId: instance.taskId, instanceId, outcome: status === 'succeeded' ? 'succeeded' : 'failed' }], setTimers: NONE }
}

type MapEvent = Extract<MachineEvent, { type: 'map.expanded' | 'map.invalid' | 'map.instance_resolved' }>

/** Applies a map event to the mapped task's row. */
export function decideMapEvent(state: MachineState, event: MapEvent, now: Date, finishTask: FinishTask): Decision {
  const task = state.tasks.get(event.taskId)
  if (!task || task.status !== 'running') return { ...EMPTY, ignored: `mapped task is ${task?.status ?? 'unknown'}` }
  if (event.type !== 'map.instance_resolved' && event.attempt !== task.attempt) return { ...EMPTY, ignored: `stale attempt ${event.attempt} (current ${task.attempt})` }
  switch (event.type) {
    case 'map.invalid':
      return endMap(state, task, 'failed', now, event.error, finishTask)
    case 'map.expanded': {
      const first = event.from === 0
      const counted: TaskView = first ? { ...task, mapTotal: event.total, mapSucceeded: event.kept, mapFailed: 0 } : task
      if (first && event.total === 0) return endMap(state, counted, 'skipped', now, undefined, finishTask)
      const done = (counted.mapSucceeded ?? 0) + (counted.mapFailed ?? 0) >= event.total
      if (done) return endMap(state, counted, 'succeeded', now, undefined, finishTask)
      const ready = event.instances.map((id) => ({ type: 'task.ready_check' as const, taskId: id }))
      return {
        ...EMPTY,
        taskChanges: first ? [{ taskId: task.taskId, from: task.status, set: { mapTotal: event.total, mapSucceeded: event.kept, mapFailed: 0 } }] : NONE,
        followUps: ready,
        setTimers: event.to < event.total ? [{ kind: TimerKind.mapExpand, taskId: task.taskId, attempt: task.attempt, nextIndex: event.to, fireAt: now }] : NONE,
      }
    }
    case 'map.instance_resolved': {
      if (task.mapTotal === null || task.mapTotal === undefined) return { ...EMPTY, ignored: 'mapped task has no list yet' }
      const counted: TaskView = {
        ...task,
        mapSucceeded: (task.mapSucceeded ?? 0) + (event.outcome === 'succeeded' ? 1 : 0),
        mapFailed: (task.mapFailed ?? 0) + (event.outcome === 'failed' ? 1 : 0),
      }
      if (counted.mapSucceeded! + counted.mapFailed! < task.mapTotal) {
        return { ...EMPTY, taskChanges: [{ taskId: task.taskId, from: task.status, set: { mapSucceeded: counted.mapSucceeded!, mapFailed: counted.mapFailed! } }] }
      }
      if (counted.mapFailed === 0) return endMap(state, counted, 'succeeded', now, undefined, finishTask)
      const error: TaskError = { message: `${counted.mapFailed} of ${task.mapTotal} instances of ${task.taskId} failed`, retryable: false, kind: 'map_instances_failed' }
      return endMap(state, counted, 'failed', now, error, finishTask)
    }
  }
}

/** Ends the mapped task and its attempt: succeeded, failed (with the error) or skipped (an empty list). */
function endMap(state: MachineState, task: TaskView, status: 'succeeded' | 'failed' | 'skipped', now: Date, error: TaskError | undefined, finishTask: FinishTask): Decision {
  const counts = { mapTotal: task.mapTotal ?? null, mapSucceeded: task.mapSucceeded ?? 0, mapFailed: task.mapFailed ?? 0 }
  const reason =
    status === 'skipped'
      ? 'the list to map over is empty'
      : status === 'succeeded'
        ? `all ${task.mapTotal} instances succeeded`
        : error!.message
  const d = finishTask(state, task, status, now, { ...counts, ...(error ? { error } : {}) }, reason)
  return { ...d, attempts: [{ taskId: task.taskId, attempt: task.attempt, status, at: now, ...(error ? { error } : {}) }] }
}
