import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import type { RunStatus, TaskKind, TaskStatus } from '../status.js'
import { mapInstanceCounts, mappedTasksOf, type TaskMap } from './map-instances.js'
import { getRunContext, type RunContext } from './run-context.js'
import { slotWaitReasons } from './slot-waits.js'
import { attemptDetailsByTask, iso, type AttemptDetails, type CheckResult } from './task-attempts.js'

export type { AttemptDetails, CheckResult } from './task-attempts.js'

/** One task of a run as shown by `baton run --json` and the API. */
export interface TaskDetails {
  id: string
  status: TaskStatus
  /** `task`, `check`, `branch` or `approval`. */
  kind: TaskKind
  /** The task's direct upstream tasks in the run's version (`after`): its inputs are their outputs. */
  upstream: string[]
  /** An approval task waiting for a decision: when it times out (null without a timeout, and for every other task). */
  deadline: string | null
  /** Attempts made so far (0 while pending). */
  attempts: number
  /** Every attempt, oldest first. */
  attemptDetails: AttemptDetails[]
  /** The latest check verdict of a `kind: check` task (null for other tasks, or before it ran). */
  check: CheckResult | null
  queue: string
  output: unknown
  error: unknown
  workerId: string | null
  queuedAt: string | null
  startedAt: string | null
  finishedAt: string | null
  /** A queued task not yet sent to a worker: the slots it waits for ("pool warehouse full 4/4, 12 waiting, position 3"); else null. */
  waitingFor: string | null
  /** A mapped task: what it maps over and its instances' counts by status (`listMapInstances` pages through them); else null. */
  map: TaskMap | null
}

/** A run as shown by `baton run --json` and the API. */
export interface RunDetails {
  id: string
  workflow: string
  status: RunStatus
  partition: string | null
  params: Record<string, unknown>
  idempotencyKey: string
  trigger: string
  versionHash: string
  cancelReason: string | null
  /** What started the run, with which inputs, on which version, and whether it completed. */
  context: RunContext
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  tasks: TaskDetails[]
  /** A child run (sub-workflow): the parent run and the task (attempt) that started it; else null. */
  parent: { runId: string; taskId: string; attempt: number } | null
  /** Child runs its sub-workflow tasks started, oldest first. */
  children: { runId: string; workflow: string; status: RunStatus; taskId: string; attempt: number }[]
}

/** Task id → position in a topological order (ties by name), for display. */
function topologicalOrder(tasks: Record<string, { after?: string[] }>): Map<string, number> {
  const order = new Map<string, number>()
  const remaining = new Set(Object.keys(tasks))
  while (remaining.size > 0) {
    const ready = [...remaining].filter((id) => (tasks[id]?.after ?? []).every((up) => order.has(up) || !remaining.has(up))).sort()
    const next = ready.length > 0 ? ready : [...remaining].sort()
    for (const id of next) {
      order.set(id, order.size)
      remaining.delete(id)
    }
  }
  return order
}

/** A task's `map` from its definition's and its row's: null for a task that is not mapped. */
function mapOf(spec: Pick<TaskMap, 'from' | 'key' | 'reduce'> | undefined, total: number | null, counts: TaskMap['counts'] | undefined): TaskMap | null {
  return spec ? { ...spec, total, counts: counts ?? {} } : null
}

/** A run with its tasks in definition order (topological by `after`), or undefined. */
export async function getRunDetails(db: Db, runId: string): Promise<RunDetails | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return undefined
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst()
  if (!run) return undefined
  // Instances of mapped tasks (`load[3]`, up to 100,000 per task) are left out: their counts stand in.
  const tasks = await db.selectFrom('task_states').selectAll().where('run_id', '=', runId).where('map_of', 'is', null).execute()
  const ids = tasks.map((t) => t.task_id)
  const attemptRows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('task_attempts')
          .selectAll()
          .where('run_id', '=', runId)
          .where('task_id', '=', sql<string>`ANY(${ids}::text[])`)
          .orderBy('task_id')
          .orderBy('attempt')
          .execute()
  const attemptsByTask = attemptDetailsByTask(attemptRows)
  const def = await db.selectFrom('workflow_versions').select('definition').where('hash', '=', run.version_hash).executeTakeFirst()
  const kinds = (def?.definition as { tasks?: Record<string, { kind?: string; after?: string[] }> } | undefined)?.tasks ?? {}
  const order = topologicalOrder((def?.definition as { tasks?: Record<string, { after?: string[] }> } | undefined)?.tasks ?? {})
  tasks.sort((a, b) => (order.get(a.task_id) ?? 0) - (order.get(b.task_id) ?? 0))
  // A waiting approval's deadline is its attempt's execution timer (the coordinator's own record).
  const waiting = tasks.filter((t) => kinds[t.task_id]?.kind === 'approval' && t.status === 'running')
  const deadlines = new Map<string, string>()
  if (waiting.length > 0) {
    const timers = await db.selectFrom('timers').select(['task_id', 'attempt', 'fire_at']).where('run_id', '=', runId).where('kind', '=', 'execution_timeout').execute()
    for (const t of waiting) {
      const timer = timers.find((x) => x.task_id === t.task_id && x.attempt === t.attempt)
      if (timer) deadlines.set(t.task_id, iso(timer.fire_at)!)
    }
  }
  const queued = tasks.filter((t) => t.status === 'queued').map((t) => t.task_id)
  const waitReasons = queued.length > 0 ? await slotWaitReasons(db, runId, queued) : new Map<string, string>()
  const mapped = mappedTasksOf((def?.definition as { tasks?: Record<string, { map?: unknown }> } | undefined)?.tasks ?? {})
  const counts = mapped.size > 0 ? await mapInstanceCounts(db, runId) : new Map<string, TaskMap['counts']>()
  const children = await db.selectFrom('runs').select(['id', 'workflow', 'status', 'parent_task_id', 'parent_attempt']).where('parent_run_id', '=', runId).orderBy('created_at').orderBy('id').execute()
  return {
    id: run.id,
    workflow: run.workflow,
    status: run.status as RunStatus,
    partition: run.partition,
    params: run.params as Record<string, unknown>,
    idempotencyKey: run.idempotency_key,
    trigger: run.trigger,
    versionHash: run.version_hash,
    cancelReason: run.cancel_reason,
    context: await getRunContext(db, run, (def?.definition as { when?: { sourcesLanded?: string[] } } | undefined)?.when?.sourcesLanded ?? []),
    createdAt: iso(run.created_at)!,
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    tasks: tasks.map((t) => ({
      id: t.task_id,
      status: t.status as TaskStatus,
      kind: (kinds[t.task_id]?.kind ?? 'task') as TaskKind,
      upstream: kinds[t.task_id]?.after ?? [],
      deadline: deadlines.get(t.task_id) ?? null,
      attempts: t.attempt,
      attemptDetails: attemptsByTask.get(t.task_id) ?? [],
      check: kinds[t.task_id]?.kind === 'check' ? ([...(attemptsByTask.get(t.task_id) ?? [])].reverse().find((a) => a.check)?.check ?? null) : null,
      queue: t.queue,
      output: t.output,
      error: t.error,
      workerId: t.worker_id,
      queuedAt: iso(t.queued_at),
      startedAt: iso(t.started_at),
      finishedAt: iso(t.finished_at),
      waitingFor: t.status === 'queued' ? (waitReasons.get(t.task_id) ?? null) : null,
      map: mapOf(mapped.get(t.task_id), t.map_total, counts.get(t.task_id)),
    })),
    parent: run.parent_run_id ? { runId: run.parent_run_id, taskId: run.parent_task_id!, attempt: run.parent_attempt! } : null,
    children: children.map((c) => ({ runId: c.id, workflow: c.workflow, status: c.status as RunStatus, taskId: c.parent_task_id!, attempt: c.parent_attempt! })),
  }
}

/** A line of `baton runs`. */
export interface RunSummary {
  id: string
  workflow: string
  status: RunStatus
  partition: string | null
  trigger: string
  createdAt: string
  finishedAt: string | null
  tasksTotal: number
  tasksTerminal: number
  /** For a failed run: the first failed task and its error message (else null). */
  error: { taskId: string; message: string } | null
}

/** Which runs `listRuns` returns. */
export interface RunFilter {
  workflow?: string
  /** Only runs of these workflows (an empty list matches none): a caller's scope or an owner's workflows. */
  workflows?: readonly string[]
  /** One status, or any of several. */
  status?: string | readonly string[]
  partition?: string
  /** `manual`, `api`, `cron`, `readiness`, `late_data`, `backfill`. */
  trigger?: string
  /** Only runs after this one in the list's order (created_at desc, id desc): the page cursor. An unknown id matches none. */
  after?: string
  /** Created at or after. */
  since?: Date
  /** Created before. */
  until?: Date
  /** At most this many (default 50), newest first. */
  limit?: number
}

/** Latest runs, newest first, optionally filtered; failed runs carry their first task error. */
export async function listRuns(db: Db, filter: RunFilter = {}): Promise<RunSummary[]> {
  let q = db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 50)
  if (filter.workflow) q = q.where('workflow', '=', filter.workflow)
  if (filter.workflows) q = q.where('workflow', '=', sql<string>`ANY(${[...filter.workflows]}::text[])`)
  if (typeof filter.status === 'string') q = q.where('status', '=', filter.status)
  else if (filter.status) q = q.where('status', '=', sql<string>`ANY(${[...filter.status]}::text[])`)
  if (filter.partition) q = q.where('partition', '=', filter.partition)
  if (filter.trigger) q = q.where('trigger', '=', filter.trigger)
  // Compared in SQL with the cursor run's own row: JS dates would drop created_at's microseconds.
  if (filter.after !== undefined) {
    q = q.where(sql<boolean>`(created_at, id) < (SELECT c.created_at, c.id FROM runs c WHERE c.id = ${filter.after}::uuid)`)
  }
  if (filter.since) q = q.where('created_at', '>=', filter.since)
  if (filter.until) q = q.where('created_at', '<', filter.until)
  const rows = await q.execute()
  const failed = rows.filter((r) => r.status === 'failed').map((r) => r.id)
  const errors = new Map<string, { taskId: string; message: string }>()
  if (failed.length > 0) {
    // The earliest task that failed in each run: the cause; what it held back is upstream_failed.
    // Tasks failed in one batch share finished_at: the task id breaks the tie, so a run always names one cause.
    const first = await db
      .selectFrom('task_states')
      .select(['run_id', 'task_id', 'error'])
      .distinctOn('run_id')
      .where('run_id', 'in', failed)
      .where('status', '=', 'failed')
      .orderBy('run_id')
      .orderBy('finished_at')
      .orderBy('task_id')
      .execute()
    for (const f of first) errors.set(f.run_id, { taskId: f.task_id, message: (f.error as { message?: string } | null)?.message ?? 'failed' })
    // A failed check says more through its own details ("2 rows with negative revenue") than
    // through its error message ("data-quality check failed").
    const checks = first.filter((f) => (f.error as { kind?: string } | null)?.kind === 'check_failed')
    if (checks.length > 0) {
      const verdicts = await db
        .selectFrom('task_attempts')
        .select(['run_id', 'task_id', 'details'])
        .distinctOn(['run_id', 'task_id'])
        .where('run_id', 'in', checks.map((c) => c.run_id))
        .where('status', '=', 'failed')
        .orderBy('run_id')
        .orderBy('task_id')
        .orderBy('attempt', 'desc')
        .execute()
      for (const v of verdicts) {
        const details = (v.details as { check?: { details?: unknown } } | null)?.check?.details
        const e = errors.get(v.run_id)
        if (e && e.taskId === v.task_id && details !== undefined && details !== null) errors.set(v.run_id, { ...e, message: `check failed: ${typeof details === 'string' ? details : JSON.stringify(details)}` })
      }
    }
  }
  return rows.map((r) => ({
    id: r.id,
    workflow: r.workflow,
    status: r.status as RunStatus,
    partition: r.partition,
    trigger: r.trigger,
    createdAt: iso(r.created_at)!,
    finishedAt: iso(r.finished_at),
    tasksTotal: r.tasks_total,
    tasksTerminal: r.tasks_terminal,
    error: errors.get(r.id) ?? null,
  }))
}

/** The id of the run a trigger with this idempotency key created, if it exists yet. */
export async function runIdByKey(db: Db, workflow: string, idempotencyKey: string): Promise<string | undefined> {
  return (await db.selectFrom('runs').select('id').where('workflow', '=', workflow).where('idempotency_key', '=', idempotencyKey).executeTakeFirst())?.id
}
