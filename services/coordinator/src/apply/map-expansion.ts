import { isMapInstanceId, isTerminalTaskStatus, parseMapInstanceId, type CompiledTask, type Db, type TaskError } from '@baton/shared'
import { cancelLiveInstances, insertInstances, measureMapList, pendingInstances, resetInstances, type MapListShape } from '../db/map-instances.js'
import { attemptTimers, fanoutChunkEnd } from '../lifecycle/run-machine.js'
import { TimerKind, type MachineEvent, type TaskView } from '../lifecycle/types.js'
import type { RunWork } from './run-work.js'

// The shell's part of dynamic fan-out (docs/architecture.md, "Mapped tasks"): reading the list
// and creating instance rows need Postgres, so a `map_expand` timer is turned here into the
// machine's `map.expanded` (or `map.invalid`) for the chunk, its instances loaded to run.

type ExpandTimer = Extract<MachineEvent, { type: 'timer.fired' }>

/** Whether an event is a mapped task's `map_expand` timer (expanded by the shell before deciding). */
export function isMapExpansion(event: MachineEvent): event is ExpandTimer {
  return event.type === 'timer.fired' && event.kind === TimerKind.mapExpand
}

/** Why a list cannot be mapped over, naming the task, its source and the reason; undefined when it can. */
export function mapListProblem(taskId: string, def: CompiledTask, shape: MapListShape | undefined, cap: number): TaskError | undefined {
  const spec = def.map!
  const where = spec.key === undefined ? `the output of '${spec.from}'` : `'${spec.key}' of the output of '${spec.from}'`
  const invalid = (message: string): TaskError => ({ message: `${taskId}: cannot map over ${where}: ${message}`, retryable: false, kind: 'map_source_invalid' })
  if (!shape || shape.outputType === null || shape.outputType === 'null') return invalid(`'${spec.from}' has no output (it is ${shape?.status ?? 'missing'})`)
  if (spec.key !== undefined && shape.outputType !== 'object') return invalid(`the output is ${article(shape.outputType)}, not an object with '${spec.key}'`)
  if (shape.type === null) return invalid(`the output has no field '${spec.key}'`)
  if (shape.type !== 'array') return invalid(`it is ${article(shape.type)}, not a list`)
  if (shape.length! > cap) return { message: `${taskId}: ${where} has ${shape.length} elements; a mapped task may have at most ${cap} instances (maxMapInstances)`, retryable: false, kind: 'map_too_large' }
  return undefined
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
}

/**
 * Turns a live `map_expand` timer into the machine's event for its chunk: on the first chunk
 * the list is measured (a bad list gives `map.invalid`) and a reopened task's earlier instances
 * readied; then instances [from, to) are created and the pending ones loaded into the run's
 * working copy. A timer for an attempt the task no longer runs is returned as is (ignored).
 */
export async function expandMapChunk(trx: Db, work: RunWork, event: ExpandTimer): Promise<MachineEvent> {
  const task = work.tasks.get(event.taskId)
  const def = work.workflow.tasks.get(event.taskId)
  if (!task || !def?.map || task.status !== 'running' || task.attempt !== event.attempt) return event
  const ref = { runId: work.view.id, source: def.map.from, key: def.map.key ?? null }
  const from = event.nextIndex ?? 0
  let total = task.mapTotal ?? 0
  let kept = 0
  if (from === 0) {
    const shape = await measureMapList(trx, ref)
    const error = mapListProblem(task.taskId, def, shape, work.workflow.maxMapInstances)
    if (error) return { type: 'map.invalid', taskId: task.taskId, attempt: task.attempt, error }
    total = shape!.length!
    kept = total === 0 ? 0 : await resetInstances(trx, ref, task.taskId, total)
  }
  const to = fanoutChunkEnd(from, total)
  const instances: string[] = []
  if (to > from) {
    await insertInstances(trx, ref, task.taskId, def.queue, from, to)
    for (const p of await pendingInstances(trx, work.view.id, task.taskId, from, to)) {
      work.load(p)
      instances.push(p.taskId)
    }
  }
  return { type: 'map.expanded', taskId: task.taskId, attempt: task.attempt, from, to, total, kept, instances }
}

/** A mapped task that left `running` in this batch. */
export interface StoppedMap {
  readonly work: RunWork
  readonly taskId: string
}

/**
 * The mapped tasks that left `running` in this batch: by their last instance's end (none of
 * their instances is live then) or by a run cancel, a mark, a clear, a move.
 */
export function stoppedMaps(works: readonly RunWork[]): StoppedMap[] {
  const stopped: StoppedMap[] = []
  for (const w of works) {
    for (const t of w.taskTransitions) {
      if (t.from === 'running' && t.to !== 'running' && !isMapInstanceId(t.taskId) && w.workflow.tasks.get(t.taskId)?.map) stopped.push({ work: w, taskId: t.taskId })
    }
  }
  return stopped
}

/**
 * Cancels the live instances of mapped tasks that stopped running: instances in the batch's
 * memory through the working copy, the others (never loaded: up to 100,000) in one statement,
 * which must run inside the batch's transaction. Returns whether any slot may have been freed.
 */
export async function cancelInstancesOfStoppedMaps(trx: Db, stopped: readonly StoppedMap[], now: Date): Promise<boolean> {
  if (stopped.length === 0) return false
  for (const { work, taskId } of stopped) cancelLoadedInstances(work, taskId, now)
  const running = await cancelLiveInstances(
    trx,
    stopped.map((s) => ({ runId: s.work.view.id, taskId: s.taskId, loaded: [...s.work.tasks.keys()].filter((id) => parseMapInstanceId(id)?.taskId === s.taskId) })),
    now,
    'its mapped task stopped running',
  )
  const byRun = new Map(stopped.map((s) => [s.work.view.id, s.work]))
  for (const r of running) byRun.get(r.runId)?.aborts.push({ taskId: r.taskId, attempt: r.attempt, reason: 'mapped task stopped running' })
  return true
}

/** Cancels, in the working copy, the live instances of `taskId` this batch loaded. */
function cancelLoadedInstances(work: RunWork, taskId: string, now: Date): void {
  for (const t of [...work.tasks.values()] as TaskView[]) {
    if (parseMapInstanceId(t.taskId)?.taskId !== taskId || isTerminalTaskStatus(t.status)) continue
    const live = t.status === 'queued' || t.status === 'running'
    const timers = t.attempt > 0 ? [...attemptTimers(t.taskId, t.attempt), { kind: TimerKind.retry, taskId: t.taskId, attempt: t.attempt }] : []
    work.apply(
      {
        taskChanges: [{ taskId: t.taskId, from: t.status, set: { status: 'cancelled', finishedAt: now }, reason: 'its mapped task stopped running' }],
        attempts: live ? [{ taskId: t.taskId, attempt: t.attempt, status: 'cancelled', at: now }] : [],
        dispatch: [],
        aborts: t.status === 'running' ? [{ taskId: t.taskId, attempt: t.attempt, reason: 'mapped task stopped running' }] : [],
        setTimers: [],
        clearTimers: timers,
        followUps: [],
      },
      null,
      now,
      false,
    )
  }
}
