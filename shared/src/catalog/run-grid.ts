import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

/** One cell of the runs × tasks grid: a task's state in one run. */
export interface RunGridCell {
  /** Index into `RunGrid.tasks`. */
  readonly task: number
  readonly status: string
  readonly attempt: number
  /** Milliseconds from started to finished (null while queued, pending or running). */
  readonly durationMs: number | null
}

/** One column of the grid: a run and its cells (tasks it never had are absent). */
export interface RunGridColumn {
  readonly id: string
  readonly status: string
  readonly partition: string | null
  readonly trigger: string
  readonly versionHash: string
  /** ISO 8601. */
  readonly createdAt: string
  readonly finishedAt: string | null
  cells: RunGridCell[]
}

/** The runs × tasks grid of one workflow (Airflow's grid view), newest run first. */
export interface RunGrid {
  /** Task ids: the current version's in topological order, then tasks only older runs had. */
  tasks: string[]
  runs: RunGridColumn[]
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null
}

/** What part of the grid to read. */
export interface RunGridFilter {
  readonly limit: number
  readonly status?: readonly string[]
  readonly partition?: string
  /** Only runs created before this run (the previous page's `nextCursor`). */
  readonly before?: string
}

/**
 * The grid of `workflow`'s newest runs: one query for the runs, one for all their task states
 * (`task_states` is keyed by run, so 500 runs × 100 tasks is one index range per run). Cells are
 * compact (task index, status, attempt, duration) so a 50,000-cell grid stays a few hundred KB.
 */
export async function getRunGrid(db: Db, workflow: string, order: readonly string[], filter: RunGridFilter): Promise<RunGrid> {
  let q = db
    .selectFrom('runs')
    .select(['id', 'status', 'partition', 'trigger', 'version_hash', 'created_at', 'finished_at'])
    .where('workflow', '=', workflow)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
  if (filter.status && filter.status.length > 0) q = q.where('status', '=', sql<string>`ANY(${[...filter.status]}::text[])`)
  if (filter.partition) q = q.where('partition', '=', filter.partition)
  if (filter.before) q = q.where(sql<boolean>`(created_at, id) < (SELECT c.created_at, c.id FROM runs c WHERE c.id = ${filter.before}::uuid)`)
  const rows = await q.execute()
  const page = rows.slice(0, filter.limit)
  const states =
    page.length === 0
      ? []
      : await db
          .selectFrom('task_states')
          .select(['run_id', 'task_id', 'status', 'attempt', 'started_at', 'finished_at'])
          .where('run_id', '=', sql<string>`ANY(${page.map((r) => r.id)}::uuid[])`)
          // A mapped task is one cell (its own row); its instances (`load[3]`, up to 100,000) are not.
          .where('map_of', 'is', null)
          .execute()
  const index = new Map(order.map((t, i) => [t, i]))
  const tasks = [...order]
  const byRun = new Map<string, RunGridCell[]>()
  for (const s of states) {
    let i = index.get(s.task_id)
    if (i === undefined) {
      i = tasks.push(s.task_id) - 1
      index.set(s.task_id, i)
    }
    const durationMs = s.started_at && s.finished_at ? new Date(s.finished_at).getTime() - new Date(s.started_at).getTime() : null
    const cells = byRun.get(s.run_id) ?? []
    cells.push({ task: i, status: s.status, attempt: s.attempt, durationMs })
    byRun.set(s.run_id, cells)
  }
  return {
    tasks,
    runs: page.map((r) => ({
      id: r.id,
      status: r.status,
      partition: r.partition,
      trigger: r.trigger,
      versionHash: r.version_hash,
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      cells: (byRun.get(r.id) ?? []).sort((a, b) => a.task - b.task),
    })),
    nextCursor: rows.length > filter.limit ? page.at(-1)!.id : null,
  }
}
