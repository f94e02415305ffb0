import type { Db } from '../db/connect.js'
import { mapSpecOf, parseMapInstanceId } from '../definition/map-instances.js'
import { NotFoundError, ValidationError } from '../errors.js'
import { TaskStatus } from '../status.js'
import { between, iso } from './task-attempts.js'

// Dynamic fan-out as the catalog shows it (docs/definitions.md, "Mapped tasks"). A run may hold
// up to 100,000 instances of one mapped task: nothing here reads them all. Counts come from one
// GROUP BY over the partial index `task_states_map (run_id, map_of, map_index)`, and instances
// are read a page at a time in index order from the same index.

/** Instances per page of `listMapInstances` unless the caller asks for another size. */
export const DEFAULT_MAP_INSTANCE_PAGE = 100
/** Most instances one page of `listMapInstances` holds. */
export const MAX_MAP_INSTANCE_PAGE = 1000

/** Instances of one mapped task by status (statuses with none are left out). */
export type MapInstanceCounts = Partial<Record<TaskStatus, number>>

/** A mapped task's fan-out: what it maps over, how many instances it has and where they stand. */
export interface TaskMap {
  /** The upstream task whose output holds the list. */
  from: string
  /** The field of that output holding the list; null: the output is the list. */
  key: string | null
  /** Downstream tasks receive a summary instead of every output. */
  reduce: boolean
  /** How many instances the task has; null until the list was read. */
  total: number | null
  /** Its instances by status. */
  counts: MapInstanceCounts
}

/** One instance (`task[i]`) of a mapped task, as a page of `listMapInstances` shows it. */
export interface MapInstance {
  /** The instance's task id, `load[3]`: what its attempts and logs are stored under. */
  id: string
  index: number
  /** Its element of the upstream list. */
  element: unknown
  status: TaskStatus
  attempts: number
  workerId: string | null
  queuedAt: string | null
  startedAt: string | null
  finishedAt: string | null
  /** Running time of its latest attempt (started → finished), ms. */
  durationMs: number | null
  error: unknown
  output: unknown
}

/** A page of a mapped task's instances, in index order. */
export interface MapInstancePage {
  taskId: string
  /** How many instances the task has; null until the list was read. */
  total: number | null
  /** All its instances by status (not only this page's). */
  counts: MapInstanceCounts
  instances: MapInstance[]
  /** Pass as `after` for the next page; null on the last page. */
  nextAfter: number | null
}

/** Which instances `listMapInstances` returns. */
export interface MapInstanceFilter {
  /** Only instances in this status. */
  status?: string
  /** Only instances with a greater index: the previous page's `nextAfter`. */
  after?: number
  /** At most this many (default 100, at most 1000). */
  limit?: number
}

/** The mapped tasks of a stored definition's tasks, by id, with what they map over. */
export function mappedTasksOf(tasks: Readonly<Record<string, { map?: unknown }>>): Map<string, Pick<TaskMap, 'from' | 'key' | 'reduce'>> {
  const out = new Map<string, Pick<TaskMap, 'from' | 'key' | 'reduce'>>()
  for (const [id, t] of Object.entries(tasks)) {
    if (t.map === undefined || t.map === null) continue
    const spec = mapSpecOf(t.map as Parameters<typeof mapSpecOf>[0])
    out.set(id, { from: spec.from, key: spec.key ?? null, reduce: spec.reduce })
  }
  return out
}

/** Instance counts by status of every mapped task of a run (one GROUP BY), by mapped task id. */
export async function mapInstanceCounts(db: Db, runId: string, taskId?: string): Promise<Map<string, MapInstanceCounts>> {
  let q = db
    .selectFrom('task_states')
    .select(['map_of', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('run_id', '=', runId)
    .where('map_of', 'is not', null)
    .groupBy(['map_of', 'status'])
    // Keys in one order whatever the plan: the counts go out as JSON (`baton run --json`, the API).
    .orderBy('map_of')
    .orderBy('status')
  if (taskId !== undefined) q = q.where('map_of', '=', taskId)
  const out = new Map<string, MapInstanceCounts>()
  for (const r of await q.execute()) {
    const counts = out.get(r.map_of!) ?? {}
    counts[r.status as TaskStatus] = Number(r.n)
    out.set(r.map_of!, counts)
  }
  return out
}

const STATUSES = Object.values(TaskStatus) as string[]

/** The filter checked: a ValidationError naming each field that is wrong and why. */
function checkedFilter(filter: MapInstanceFilter): { status?: TaskStatus; after: number; limit: number } {
  const issues: { path: string; reason: string }[] = []
  const limit = filter.limit ?? DEFAULT_MAP_INSTANCE_PAGE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MAP_INSTANCE_PAGE) issues.push({ path: 'limit', reason: `must be a whole number from 1 to ${MAX_MAP_INSTANCE_PAGE}, got ${String(filter.limit)}` })
  const after = filter.after ?? -1
  if (!Number.isInteger(after) || after < -1 || after > 2_147_483_647) issues.push({ path: 'after', reason: `must be an instance index (a whole number from 0), got ${String(filter.after)}` })
  if (filter.status !== undefined && !STATUSES.includes(filter.status)) issues.push({ path: 'status', reason: `must be a task status (${STATUSES.join(', ')}), got '${filter.status}'` })
  if (issues.length > 0) throw new ValidationError(issues)
  return { ...(filter.status !== undefined ? { status: filter.status as TaskStatus } : {}), after, limit }
}

/**
 * A page of mapped task `taskId`'s instances in run `runId`, in index order, with the counts of
 * all of them by status. NotFoundError for an unknown run or task; ValidationError for a task that
 * is not mapped (code TASK_NOT_MAPPED) or a bad filter (each field named).
 */
export async function listMapInstances(db: Db, runId: string, taskId: string, filter: MapInstanceFilter = {}): Promise<MapInstancePage> {
  const f = checkedFilter(filter)
  if (!/^[0-9a-f-]{36}$/i.test(runId)) throw new NotFoundError('run', runId)
  const run = await db.selectFrom('runs').select(['id', 'workflow', 'version_hash']).where('id', '=', runId).executeTakeFirst()
  if (!run) throw new NotFoundError('run', runId)
  const task = await db.selectFrom('task_states').select(['task_id', 'map_total']).where('run_id', '=', runId).where('task_id', '=', taskId).where('map_of', 'is', null).executeTakeFirst()
  if (!task) throw new NotFoundError(`task of run ${runId} (workflow ${run.workflow})`, taskId, { runId, taskId })
  const def = await db.selectFrom('workflow_versions').select('definition').where('hash', '=', run.version_hash).executeTakeFirst()
  const tasks = (def?.definition as { tasks?: Record<string, { map?: unknown }> } | undefined)?.tasks ?? {}
  if (!mappedTasksOf(tasks).has(taskId)) {
    throw new ValidationError([{ path: 'taskId', reason: `task '${taskId}' of workflow ${run.workflow} is not mapped: it has no instances` }], { code: 'TASK_NOT_MAPPED', runId, taskId })
  }
  let q = db
    .selectFrom('task_states')
    .select(['task_id', 'map_index', 'map_element', 'status', 'attempt', 'worker_id', 'queued_at', 'started_at', 'finished_at', 'error', 'output'])
    .where('run_id', '=', runId)
    .where('map_of', '=', taskId)
    .where('map_index', '>', f.after)
    .orderBy('map_index')
    .limit(f.limit + 1)
  if (f.status !== undefined) q = q.where('status', '=', f.status)
  const [rows, counts] = await Promise.all([q.execute(), mapInstanceCounts(db, runId, taskId)])
  const page = rows.slice(0, f.limit)
  return {
    taskId,
    total: task.map_total,
    counts: counts.get(taskId) ?? {},
    instances: page.map((r) => ({
      id: r.task_id,
      index: r.map_index!,
      element: r.map_element,
      status: r.status as TaskStatus,
      attempts: r.attempt,
      workerId: r.worker_id,
      queuedAt: iso(r.queued_at),
      startedAt: iso(r.started_at),
      finishedAt: iso(r.finished_at),
      durationMs: between(r.started_at, r.finished_at),
      error: r.error,
      output: r.output,
    })),
    nextAfter: rows.length > f.limit ? page.at(-1)!.map_index! : null,
  }
}


/**
 * Refuses an operator action (clear, mark, approve) on one instance of a mapped task, naming what
 * to do instead: instances are acted on through their mapped task.
 */
export function refuseInstanceAction(taskId: string): void {
  const instance = parseMapInstanceId(taskId)
  if (!instance) return
  const of = instance.taskId
  throw new ValidationError(
    [{ path: 'taskId', reason: `'${taskId}' is an instance of mapped task '${of}': act on ${of} (retry the run to rerun its failed instances, or clear ${of} to rerun those that did not succeed)` }],
    { code: 'INSTANCE_ACTION', taskId },
  )
}
