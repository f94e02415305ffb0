import type { Db } from '../db/connect.js'
import type { RunStatus, TaskStatus } from '../status.js'
import { getRunContext, type RunContext } from './run-context.js'

/** One task of a run as shown by `baton run --json` and the API. */
export interface TaskDetails {
  id: string
  status: TaskStatus
  /** Attempts made so far (0 while pending). */
  attempts: number
  queue: string
  output: unknown
  error: unknown
  workerId: string | null
  queuedAt: string | null
  startedAt: string | null
  finishedAt: string | null
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
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString())

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

/** A run with its tasks in definition order (topological by `after`), or undefined. */
export async function getRunDetails(db: Db, runId: string): Promise<RunDetails | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return undefined
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst()
  if (!run) return undefined
  const tasks = await db.selectFrom('task_states').selectAll().where('run_id', '=', runId).execute()
  const def = await db.selectFrom('workflow_versions').select('definition').where('hash', '=', run.version_hash).executeTakeFirst()
  const order = topologicalOrder((def?.definition as { tasks?: Record<string, { after?: string[] }> } | undefined)?.tasks ?? {})
  tasks.sort((a, b) => (order.get(a.task_id) ?? 0) - (order.get(b.task_id) ?? 0))
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
      attempts: t.attempt,
      queue: t.queue,
      output: t.output,
      error: t.error,
      workerId: t.worker_id,
      queuedAt: iso(t.queued_at),
      startedAt: iso(t.started_at),
      finishedAt: iso(t.finished_at),
    })),
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
}

/** Latest runs, newest first, optionally filtered. */
export async function listRuns(db: Db, filter: { workflow?: string; status?: string; partition?: string; limit?: number } = {}): Promise<RunSummary[]> {
  let q = db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').limit(filter.limit ?? 50)
  if (filter.workflow) q = q.where('workflow', '=', filter.workflow)
  if (filter.status) q = q.where('status', '=', filter.status)
  if (filter.partition) q = q.where('partition', '=', filter.partition)
  const rows = await q.execute()
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
  }))
}
