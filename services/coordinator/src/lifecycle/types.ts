import type { CompiledWorkflow, RunStatus, TaskError, TaskStatus } from '@baton/shared'

/**
 * The state machine's view of a run: the run row and the subset of task rows an event needs.
 * Plain data; the machine never mutates it.
 */
export interface RunView {
  readonly id: string
  readonly workflow: string
  readonly status: RunStatus
  readonly partition: string | null
  readonly tasksTotal: number
  readonly tasksTerminal: number
  readonly tasksBad: number
  readonly cancelReason: string | null
}

/** One task's state in a run. */
export interface TaskView {
  readonly taskId: string
  readonly status: TaskStatus
  readonly attempt: number
  /**
   * Attempts before an operator last reopened the task (retry from failure, clear): the retry
   * budget and backoff count from here, so a cleared task gets its full retries again.
   */
  readonly attemptBase: number
  readonly nUpstream: number
  readonly nSucceeded: number
  readonly nFailed: number
  readonly nSkipped: number
  readonly workerId: string | null
  /** A mapped task: its instances (null or absent until its list was read). */
  readonly mapTotal?: number | null
  /** A mapped task: instances that succeeded. */
  readonly mapSucceeded?: number
  /** A mapped task: instances that failed after their retries. */
  readonly mapFailed?: number
}

/** Everything the machine may read for one decision. */
export interface MachineState {
  readonly run: RunView
  /** Tasks loaded for this event (at least the ones `tasksNeeded(event)` names). */
  readonly tasks: ReadonlyMap<string, TaskView>
  readonly workflow: CompiledWorkflow
}

/** Kinds of durable timer. */
export const TimerKind = {
  retry: 'retry',
  heartbeat: 'heartbeat_timeout',
  execution: 'execution_timeout',
  scheduleToStart: 'schedule_to_start_timeout',
  /** A run's SLA deadline. Handled by the shell (it raises an alert), never by `decide`. */
  sla: 'sla',
  /**
   * The rest of a finished task's downstream, notified a chunk per transaction (FANOUT_CHUNK):
   * due at once, keyed by the task and its attempt, `nextIndex` where the next chunk starts.
   */
  fanout: 'fanout_continue',
  /**
   * A mapped task's next chunk of instances to create and run, due at once, keyed by the task
   * and its attempt, `nextIndex` where the chunk starts (0: read the list first). Handled by the
   * shell (apply/map-expansion.ts), which turns it into `map.expanded` or `map.invalid`.
   */
  mapExpand: 'map_expand',
} as const
/** A timer kind. */
export type TimerKind = (typeof TimerKind)[keyof typeof TimerKind]

/** Identifies one timer of one attempt. */
export interface TimerKey {
  readonly kind: TimerKind
  readonly taskId: string
  readonly attempt: number
  /** `fanout_continue` and `map_expand` only: where the next chunk starts. */
  readonly nextIndex?: number
}

/** Inputs to the machine: external events, fired timers, and internal follow-ups. */
export type MachineEvent =
  | { readonly type: 'run.started' }
  | { readonly type: 'run.cancel_requested'; readonly reason: string; readonly eventId?: string }
  | {
      readonly type: 'task.started'
      readonly taskId: string
      readonly attempt: number
      readonly workerId: string
      readonly eventId: string
      /** When the handler began, if it began before its `started` was published (deferred start). */
      readonly startedAt?: Date
    }
  | { readonly type: 'task.heartbeat'; readonly taskId: string; readonly attempt: number; readonly workerId: string; readonly eventId: string }
  | {
      readonly type: 'task.succeeded'
      readonly taskId: string
      readonly attempt: number
      readonly workerId: string
      readonly eventId: string
      readonly output: unknown
      readonly details?: Record<string, unknown>
      /** When the handler began, on a result no `started` preceded (the result implies the start). */
      readonly startedAt?: Date
    }
  | {
      readonly type: 'task.failed'
      readonly taskId: string
      readonly attempt: number
      readonly workerId: string
      readonly eventId: string
      readonly error: TaskError
      readonly details?: Record<string, unknown>
      /** When the handler began, on a result no `started` preceded (the result implies the start). */
      readonly startedAt?: Date
    }
  | { readonly type: 'timer.fired'; readonly kind: TimerKind; readonly taskId: string; readonly attempt: number; readonly nextIndex?: number }
  /** Internal: an upstream of `taskId` reached a terminal outcome. */
  | { readonly type: 'upstream.resolved'; readonly taskId: string; readonly upstreamId: string; readonly outcome: 'succeeded' | 'failed' | 'skipped' }
  /** Internal: a branch did not choose `taskId`. */
  | { readonly type: 'branch.skipped'; readonly taskId: string; readonly branchId: string }
  /** Internal: `taskId` was reopened by an operator; run it if its upstream tasks allow it now. */
  | { readonly type: 'task.ready_check'; readonly taskId: string }
  /**
   * Internal (from the shell's `map_expand` timer): instances [from, to) of mapped task `taskId`
   * exist; `instances` are those to run (loaded). `total` and `kept` (instances that succeeded
   * in an earlier attempt of the task, with the same element) come with the first chunk.
   */
  | { readonly type: 'map.expanded'; readonly taskId: string; readonly attempt: number; readonly from: number; readonly to: number; readonly total: number; readonly kept: number; readonly instances: readonly string[] }
  /** Internal: the mapped task's list is missing, not a list, or over the cap. */
  | { readonly type: 'map.invalid'; readonly taskId: string; readonly attempt: number; readonly error: TaskError }
  /** Internal: an instance of mapped task `taskId` ended. */
  | { readonly type: 'map.instance_resolved'; readonly taskId: string; readonly instanceId: string; readonly outcome: 'succeeded' | 'failed' }
  | OperatorEvent

/**
 * What an operator asks through the API or CLI (one event each through the coordinator, like
 * every other transition): retry a finished run from its failures, clear tasks so they run again,
 * mark a task succeeded or failed by hand, or decide an approval task.
 */
export type OperatorEvent =
  | { readonly type: 'run.retry_requested'; readonly by: string; readonly reason: string; readonly toLatest?: boolean }
  | { readonly type: 'task.clear_requested'; readonly taskId: string; readonly scope: 'task' | 'downstream' | 'upstream'; readonly by: string; readonly reason: string }
  | { readonly type: 'task.mark_requested'; readonly taskId: string; readonly status: 'succeeded' | 'failed'; readonly by: string; readonly reason: string }
  | { readonly type: 'approval.decided'; readonly taskId: string; readonly decision: 'approved' | 'rejected'; readonly by: string; readonly reason: string | null }

/** A change of one task's row. `status` present means a transition (recorded in history). */
export interface TaskChange {
  readonly taskId: string
  readonly from: TaskStatus
  readonly set: Partial<Omit<TaskView, 'taskId'>> & {
    readonly output?: unknown
    readonly error?: TaskError | null
    readonly queuedAt?: Date
    readonly startedAt?: Date
    readonly finishedAt?: Date
    /** Reopened by an operator: the row's queued, started and finished times are cleared (then set anew). */
    readonly reopened?: boolean
  }
  readonly reason?: string
}

/** A write to the attempts table. */
export interface AttemptWrite {
  readonly taskId: string
  readonly attempt: number
  readonly insert?: boolean
  readonly status: TaskStatus
  readonly workerId?: string
  readonly at: Date
  /** The attempt's start, when a result implied it (no `running` write came before). */
  readonly startedAt?: Date
  readonly output?: unknown
  readonly error?: TaskError
  readonly details?: Record<string, unknown>
}

/** The outcome of applying one event: what to write, send and schedule. No I/O happened. */
export interface Decision {
  readonly taskChanges: readonly TaskChange[]
  readonly runChange?: {
    readonly from: RunStatus
    readonly set: Partial<Omit<RunView, 'id' | 'workflow'>> & { readonly startedAt?: Date; readonly finishedAt?: Date }
    readonly reason?: string
    /** A finished run reopened by an operator: its finish time and cancel reason are cleared. */
    readonly reopened?: boolean
  }
  readonly attempts: readonly AttemptWrite[]
  /** Tasks to dispatch (their command is built by the shell from loaded inputs). */
  readonly dispatch: readonly { readonly taskId: string; readonly attempt: number }[]
  /** Attempts a worker should stop (core NATS notice; stale results are fenced anyway). */
  readonly aborts: readonly { readonly taskId?: string; readonly attempt?: number; readonly workerId?: string; readonly reason: string }[]
  readonly setTimers: readonly (TimerKey & { readonly fireAt: Date })[]
  readonly clearTimers: readonly TimerKey[]
  /** Events to apply next in the same transaction (cascades). */
  readonly followUps: readonly MachineEvent[]
  /** Set when the event changed nothing: why (recorded in history as `ignored`). */
  readonly ignored?: string
}
