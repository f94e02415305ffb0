import type { CompiledWorkflow, RunRow, RunStatus, TaskError, TaskStatus } from '@baton/shared'
import type { HistoryEntry } from '../db/history.js'
import type { StoredTaskTimes, TaskRowUpdate } from '../db/tasks.js'
import type { RunUpdate } from '../db/runs.js'
import type { AttemptWrite, Decision, MachineState, RunView, TaskView, TimerKey } from '../lifecycle/types.js'

/** A task row as held in memory during a batch, with the columns the batch wrote. */
interface TaskWork extends TaskView {
  output?: unknown
  error?: TaskError | null
  queuedAt?: Date
  startedAt?: Date
  finishedAt?: Date
  reopened?: boolean
  /** queued_at/started_at as loaded, before this batch. */
  stored?: StoredTaskTimes
  /** An instance of a mapped task loaded to run: its element of the list (its command carries it). */
  mapElement?: unknown
  mapIndex?: number
}

/** A task status change made in a batch, with what the shell's metrics need to know about it. */
export interface TaskTransition {
  readonly taskId: string
  readonly attempt: number
  readonly from: TaskStatus
  readonly to: TaskStatus
  readonly at: Date
  /** When the attempt was queued and started (this batch or before), if known. */
  readonly queuedAt: Date | null
  readonly startedAt: Date | null
  /** A result from `queued`: it implied the attempt's start (no `started` was applied). */
  readonly impliedStart?: boolean
  /** The error's kind, when the change records one. */
  readonly errorKind?: string
}

/**
 * One locked run's working copy during a batch: decisions are folded into it in order, and at
 * the end it yields the rows to write. Keeps the machine pure and the writes batched.
 */
export class RunWork {
  view: RunView
  runStartedAt?: Date
  runFinishedAt?: Date
  /** Reopened by an operator in this batch (and not finished again): its finish time is cleared. */
  runReopened = false
  runDirty = false
  readonly tasks = new Map<string, TaskWork>()
  /** Status and attempt of each task as loaded, before this batch: what the guarded write expects. */
  readonly loaded = new Map<string, { status: TaskStatus; attempt: number }>()
  readonly loadedAll: { value: boolean } = { value: false }
  readonly dirtyTasks = new Set<string>()
  readonly history: HistoryEntry[] = []
  readonly attempts: (AttemptWrite & { runId: string })[] = []
  /** Tasks to dispatch, with the id of the external event that caused it (null: a timer, a start). */
  readonly dispatch: { taskId: string; attempt: number; eventId: string | null }[] = []
  /** Task status changes, in order. */
  readonly taskTransitions: TaskTransition[] = []
  readonly aborts: Decision['aborts'][number][] = []
  /** Net timer effect, by key: a fire time to set, or null to delete. */
  readonly timers = new Map<string, { key: TimerKey; fireAt: Date | null }>()
  transitions = 0

  /** Set when an operator moved the run to another version of its workflow in this batch. */
  movedTo?: string

  constructor(
    readonly row: RunRow,
    public workflow: CompiledWorkflow,
  ) {
    this.view = {
      id: row.id,
      workflow: row.workflow,
      status: row.status as RunStatus,
      partition: row.partition,
      tasksTotal: row.tasks_total,
      tasksTerminal: row.tasks_terminal,
      tasksBad: row.tasks_bad,
      cancelReason: row.cancel_reason,
    }
  }

  /** Adds a task row as loaded from the database (once: later loads of it are ignored). */
  load(task: TaskWork): void {
    if (this.tasks.has(task.taskId)) return
    this.tasks.set(task.taskId, task)
    this.loaded.set(task.taskId, { status: task.status, attempt: task.attempt })
  }

  /** The machine's read-only view. */
  state(): MachineState {
    return { run: this.view, tasks: this.tasks, workflow: this.workflow }
  }

  /** Folds a decision into the working copy and queues its writes. */
  apply(d: Decision, eventId: string | null, now: Date, external: boolean): void {
    if (d.ignored !== undefined) {
      if (external) {
        const e = { runId: this.view.id, taskId: null, attempt: null, kind: 'ignored' as const, from: null, to: null, eventId, reason: d.ignored, at: now }
        this.history.push(e)
      }
      this.aborts.push(...d.aborts)
      return
    }
    for (const c of d.taskChanges) {
      const prev = this.tasks.get(c.taskId)!
      const next: TaskWork = { ...prev, ...c.set }
      this.tasks.set(c.taskId, next)
      this.dirtyTasks.add(c.taskId)
      if (c.set.status !== undefined && c.set.status !== c.from) {
        this.transitions++
        this.history.push({ runId: this.view.id, taskId: c.taskId, attempt: next.attempt, kind: 'transition', from: c.from, to: c.set.status, eventId, reason: c.reason ?? null, at: now })
        this.taskTransitions.push({
          taskId: c.taskId,
          attempt: prev.attempt,
          from: c.from,
          to: c.set.status,
          at: now,
          queuedAt: prev.queuedAt ?? prev.stored?.queuedAt ?? null,
          startedAt: c.set.startedAt ?? prev.startedAt ?? prev.stored?.startedAt ?? null,
          ...(c.from === 'queued' && c.set.status !== 'running' && c.set.startedAt ? { impliedStart: true } : {}),
          ...(c.set.error ? { errorKind: c.set.error.kind } : {}),
        })
      }
    }
    if (d.runChange) {
      const { startedAt, finishedAt, ...rest } = d.runChange.set
      this.view = { ...this.view, ...rest }
      if (startedAt) this.runStartedAt = startedAt
      if (d.runChange.reopened) {
        this.runReopened = true
        this.runFinishedAt = undefined
      }
      if (finishedAt) {
        this.runFinishedAt = finishedAt
        this.runReopened = false
      }
      this.runDirty = true
      if (rest.status !== undefined && rest.status !== d.runChange.from) {
        this.history.push({ runId: this.view.id, taskId: null, attempt: null, kind: 'run', from: d.runChange.from, to: rest.status, eventId, reason: d.runChange.reason ?? null, at: now })
      }
    }
    for (const a of d.attempts) this.attempts.push({ ...a, runId: this.view.id })
    for (const x of d.dispatch) this.dispatch.push({ ...x, eventId })
    this.aborts.push(...d.aborts)
    for (const t of d.clearTimers) this.timers.set(`${t.kind}|${t.taskId}|${t.attempt}`, { key: t, fireAt: null })
    for (const t of d.setTimers) this.timers.set(`${t.kind}|${t.taskId}|${t.attempt}`, { key: t, fireAt: t.fireAt })
  }

  /** Task rows to write. */
  taskUpdates(): TaskRowUpdate[] {
    return [...this.dirtyTasks].map((id) => ({ ...this.tasks.get(id)!, runId: this.view.id, expected: this.loaded.get(id)! }))
  }

  /**
   * The run row to write: always, since every batch that touches a run bumps its version (an
   * unlocked batch that read it writes only if nobody did in between).
   */
  runUpdate(): RunUpdate {
    return {
      id: this.view.id,
      expectedStatus: this.row.status as RunStatus,
      expectedVersion: String(this.row.version),
      status: this.view.status,
      tasksTerminal: this.view.tasksTerminal,
      tasksBad: this.view.tasksBad,
      cancelReason: this.view.cancelReason,
      ...(this.runStartedAt ? { startedAt: this.runStartedAt } : {}),
      ...(this.runFinishedAt ? { finishedAt: this.runFinishedAt } : {}),
      ...(this.runReopened ? { clearFinished: true } : {}),
      ...(this.movedTo ? { versionHash: this.movedTo } : {}),
    }
  }

  /** Moves the run to another (compatible) version of its workflow: what follows in the batch decides on it. */
  moveTo(workflow: CompiledWorkflow): void {
    this.workflow = workflow
    this.movedTo = workflow.hash
  }

  /** Dispatches still valid at the end of the batch (a task queued then cancelled is not sent). */
  liveDispatches(): { taskId: string; attempt: number; eventId: string | null }[] {
    return this.dispatch.filter((d) => {
      const t = this.tasks.get(d.taskId)
      return t !== undefined && t.attempt === d.attempt && t.status === 'queued'
    })
  }
}
