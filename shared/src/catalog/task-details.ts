import type { Db } from '../db/connect.js'
import { mapSourceOf, parseMapInstanceId } from '../definition/map-instances.js'
import { BatonError, NotFoundError } from '../errors.js'
import type { TaskKind, TaskStatus } from '../status.js'
import { getRunDetails, type TaskDetails } from './run-details.js'
import { slotWaitReasons } from './slot-waits.js'
import { attemptDetailsByTask, iso } from './task-attempts.js'

// One task of a run, by its id: a task of the workflow (`load`) or an instance of a mapped task
// (`load[3]`). `getRunDetails` leaves instances out (a run may hold 100,000), so an instance is
// read here on its own, from its row and its attempts only.

/** Which instance of which mapped task a task is. */
export interface MapInstanceOf {
  /** The mapped task's id. */
  of: string
  index: number
  /** Its element of the upstream list. */
  element: unknown
}

/** One task of a run as `GET /runs/{id}/tasks/{taskId}` shows it. */
export interface TaskView extends TaskDetails {
  /** An instance of a mapped task: which one; else null. */
  instance: MapInstanceOf | null
}

const UUID = /^[0-9a-f-]{36}$/i

function noSuchTask(runId: string, workflow: string, taskId: string): BatonError {
  return new BatonError('NOT_FOUND', `run ${runId} (workflow ${workflow}) has no task '${taskId}'`, { runId, taskId })
}

/**
 * Checks that run `runId` has task `taskId` (an instance id included) without reading the rest
 * of the run; returns the run's workflow. NotFoundError for an unknown run, a NOT_FOUND BatonError
 * naming the run for an unknown task.
 */
export async function requireRunTask(db: Db, runId: string, taskId: string): Promise<{ workflow: string }> {
  if (!UUID.test(runId)) throw new NotFoundError('run', runId)
  const run = await db.selectFrom('runs').select('workflow').where('id', '=', runId).executeTakeFirst()
  if (!run) throw new NotFoundError('run', runId)
  const task = await db.selectFrom('task_states').select('task_id').where('run_id', '=', runId).where('task_id', '=', taskId).executeTakeFirst()
  if (!task) throw noSuchTask(runId, run.workflow, taskId)
  return { workflow: run.workflow }
}

/**
 * Task `taskId` of run `runId` with its attempts: a task of the workflow as `getRunDetails` shows
 * it, or one instance of a mapped task (`load[3]`) with its element. Throws as `requireRunTask`.
 */
export async function getTaskDetails(db: Db, runId: string, taskId: string): Promise<TaskView> {
  const instance = parseMapInstanceId(taskId)
  if (!instance) {
    const run = await getRunDetails(db, runId)
    if (!run) throw new NotFoundError('run', runId)
    const task = run.tasks.find((t) => t.id === taskId)
    if (!task) throw noSuchTask(runId, run.workflow, taskId)
    return { ...task, instance: null }
  }
  if (!UUID.test(runId)) throw new NotFoundError('run', runId)
  const run = await db.selectFrom('runs').select(['workflow', 'version_hash']).where('id', '=', runId).executeTakeFirst()
  if (!run) throw new NotFoundError('run', runId)
  const row = await db.selectFrom('task_states').selectAll().where('run_id', '=', runId).where('task_id', '=', taskId).executeTakeFirst()
  if (!row || row.map_of === null) throw noSuchTask(runId, run.workflow, taskId)
  const def = await db.selectFrom('workflow_versions').select('definition').where('hash', '=', run.version_hash).executeTakeFirst()
  const spec = (def?.definition as { tasks?: Record<string, { kind?: string; after?: string[]; map?: unknown }> } | undefined)?.tasks?.[row.map_of ?? instance.taskId]
  // An instance gets its element, not its mapped task's list: the list's source is not its input.
  const source = mapSourceOf(spec?.map)
  const attemptRows = await db.selectFrom('task_attempts').selectAll().where('run_id', '=', runId).where('task_id', '=', taskId).orderBy('attempt').execute()
  const attempts = attemptDetailsByTask(attemptRows).get(taskId) ?? []
  const kind = (spec?.kind ?? 'task') as TaskKind
  const waitingFor = row.status === 'queued' ? ((await slotWaitReasons(db, runId, [taskId])).get(taskId) ?? null) : null
  return {
    id: row.task_id,
    status: row.status as TaskStatus,
    kind,
    upstream: (spec?.after ?? []).filter((up) => up !== source),
    deadline: null,
    attempts: row.attempt,
    attemptDetails: attempts,
    check: kind === 'check' ? ([...attempts].reverse().find((a) => a.check)?.check ?? null) : null,
    queue: row.queue,
    output: row.output,
    error: row.error,
    workerId: row.worker_id,
    queuedAt: iso(row.queued_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    waitingFor,
    map: null,
    instance: { of: row.map_of, index: row.map_index ?? instance.index, element: row.map_element },
  }
}
