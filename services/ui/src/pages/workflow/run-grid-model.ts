/**
 * The run grid's model (no React, no DOM): pages of GET /workflows/{name}/grid merged into one
 * runs × tasks index, the grid's filters read from and written to the URL, and the keyboard
 * cursor's moves. Columns are runs, NEWEST FIRST (left), so the latest run is visible without
 * scrolling and "load older" grows the grid to the right.
 */

/** One task's state in one run, as the grid answer sends it. */
export interface GridCell {
  status: string
  attempt: number
  durationMs: number | null
}

/** A run (a column) without its cells. */
export interface GridRun {
  id: string
  status: string
  partition: string | null
  trigger: string
  versionHash: string
  createdAt: string
  finishedAt: string | null
}

/** One page of the grid answer: `cells[].task` indexes this page's own `tasks`. */
export interface GridPage {
  tasks: readonly string[]
  runs: readonly (GridRun & { cells: readonly (GridCell & { task: number })[] })[]
  nextCursor: string | null
}

/** The run statuses the grid can filter on (the API's run statuses). */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
/** A run status the grid filters on. */
export type RunStatus = (typeof RUN_STATUSES)[number]
/** How many runs a page asks for. */
export const GRID_LIMITS = [100, 250, 500] as const

/** The grid's filters, as they live in the URL (`?status=failed&status=running&partition=…&limit=250&tasks=load`). */
export interface GridFilter {
  statuses: RunStatus[]
  partition: string
  limit: number
  /** Only tasks whose id contains this (case-insensitive); applied here, not by the API. */
  taskQuery: string
}

/** The grid's filters from the URL; unknown words are dropped, a bad limit falls back to 100. */
export function readGridFilter(search: URLSearchParams): GridFilter {
  const statuses = search.getAll('status').filter((s): s is RunStatus => (RUN_STATUSES as readonly string[]).includes(s))
  const limit = Number(search.get('limit'))
  return {
    statuses: [...new Set(statuses)],
    partition: (search.get('partition') ?? '').trim(),
    limit: (GRID_LIMITS as readonly number[]).includes(limit) ? limit : GRID_LIMITS[0],
    taskQuery: (search.get('tasks') ?? '').trim(),
  }
}

/** `search` with the grid's filters written in (defaults left out, so links stay short); other keys kept. */
export function writeGridFilter(search: URLSearchParams, filter: GridFilter): URLSearchParams {
  const next = new URLSearchParams(search)
  for (const key of ['status', 'partition', 'limit', 'tasks']) next.delete(key)
  for (const s of filter.statuses) next.append('status', s)
  if (filter.partition) next.set('partition', filter.partition)
  if (filter.limit !== GRID_LIMITS[0]) next.set('limit', String(filter.limit))
  if (filter.taskQuery) next.set('tasks', filter.taskQuery)
  return next
}

/** The merged grid: rows (tasks) × columns (runs), and the cell of any (run, task) in O(1). */
export interface RunGridModel {
  /** Row labels after the task filter. */
  tasks: string[]
  /** Columns, newest first, after the run filters. */
  runs: GridRun[]
  /** The task's state in the run, or undefined when the run's version has no such task. */
  cellAt(run: number, task: number): GridCell | undefined
  /**
   * A run's cells by row. The same array (same identity) as long as the run and its page's rows
   * are unchanged, so a view can skip redrawing the runs a refetch did not change.
   */
  column(run: number): readonly (GridCell | undefined)[]
  /** How many runs the pages held before the filters. */
  loadedRuns: number
}

/**
 * Merges pages (page 1 newest) into one model. Each page labels its own rows, so task indexes are
 * remapped onto the union of task ids (first page's order first: the current version's
 * topological order). A run seen twice (a live refetch racing "load older") is kept once. The
 * filters are applied again here so a page fetched before a filter change never shows through.
 */
export function buildRunGrid(pages: readonly GridPage[], filter: GridFilter): RunGridModel {
  const allTasks: string[] = []
  const taskIndex = new Map<string, number>()
  for (const page of pages) {
    for (const t of page.tasks) {
      if (!taskIndex.has(t)) {
        taskIndex.set(t, allTasks.length)
        allTasks.push(t)
      }
    }
  }
  const q = filter.taskQuery.toLowerCase()
  const shownTasks = q ? allTasks.filter((t) => t.toLowerCase().includes(q)) : allTasks
  const rowsKey = shownTasks.join('\n')
  const row = new Map(shownTasks.map((t, i) => [t, i]))

  const seen = new Set<string>()
  const runs: GridRun[] = []
  const columns: (readonly (GridCell | undefined)[])[] = []
  for (const page of pages) {
    for (const r of page.runs) {
      if (seen.has(r.id)) continue
      seen.add(r.id)
      if (!runMatches(r, filter)) continue
      // The run object itself (not a copy): React Query keeps unchanged runs' identity across refetches.
      runs.push(r)
      columns.push(columnOf(r, page.tasks, rowsKey, row))
    }
  }
  return {
    tasks: shownTasks,
    runs,
    loadedRuns: seen.size,
    column: (run) => columns[run] ?? NO_CELLS,
    cellAt: (run, task) => columns[run]?.[task],
  }
}

type Column = readonly (GridCell | undefined)[]
/** The column past the last run: one shared array, so views comparing columns see no change. */
const NO_CELLS: Column = []
/** Columns already built, per run object: reused while its page's rows and the shown rows are the same. */
const columnCache = new WeakMap<object, { pageTasks: readonly string[]; rowsKey: string; column: Column }>()

function columnOf(run: GridPage['runs'][number], pageTasks: readonly string[], rowsKey: string, row: Map<string, number>): Column {
  const hit = columnCache.get(run)
  if (hit && hit.pageTasks === pageTasks && hit.rowsKey === rowsKey) return hit.column
  const column: (GridCell | undefined)[] = new Array(row.size)
  for (const c of run.cells) {
    const taskId = pageTasks[c.task]
    const ri = taskId === undefined ? undefined : row.get(taskId)
    if (ri !== undefined) column[ri] = c
  }
  columnCache.set(run, { pageTasks, rowsKey, column })
  return column
}

function runMatches(run: GridRun, filter: GridFilter): boolean {
  if (filter.statuses.length > 0 && !(filter.statuses as string[]).includes(run.status)) return false
  if (filter.partition && run.partition !== filter.partition) return false
  return true
}

/** The highlighted cell: `row` -1 is the run header row (Enter opens the run). */
export interface GridCursor {
  row: number
  col: number
}

/** How many rows PageUp/PageDown move. */
export const PAGE_ROWS = 10

/**
 * Where a key moves the cursor in a grid of `rows` tasks × `cols` runs, or null when the key is
 * not the grid's (so the browser keeps it). Moves stop at the edges rather than wrap: wrapping
 * from the newest run to the oldest would be a jump nobody asked for.
 */
export function moveCursor(cursor: GridCursor, key: string, rows: number, cols: number): GridCursor | null {
  if (rows === 0 || cols === 0) return null
  const clampRow = (r: number) => Math.max(-1, Math.min(rows - 1, r))
  const clampCol = (c: number) => Math.max(0, Math.min(cols - 1, c))
  switch (key) {
    case 'ArrowUp':
      return { row: clampRow(cursor.row - 1), col: cursor.col }
    case 'ArrowDown':
      return { row: clampRow(cursor.row + 1), col: cursor.col }
    case 'ArrowLeft':
      return { row: cursor.row, col: clampCol(cursor.col - 1) }
    case 'ArrowRight':
      return { row: cursor.row, col: clampCol(cursor.col + 1) }
    case 'PageUp':
      return { row: clampRow(cursor.row - PAGE_ROWS), col: cursor.col }
    case 'PageDown':
      return { row: clampRow(cursor.row + PAGE_ROWS), col: cursor.col }
    case 'Home':
      return { row: cursor.row, col: 0 }
    case 'End':
      return { row: cursor.row, col: cols - 1 }
    default:
      return null
  }
}

/** A cursor kept inside a grid whose size changed (filters, a refetch): null when the grid is empty. */
export function clampCursor(cursor: GridCursor, rows: number, cols: number): GridCursor | null {
  if (rows === 0 || cols === 0) return null
  return { row: Math.max(-1, Math.min(rows - 1, cursor.row)), col: Math.max(0, Math.min(cols - 1, cursor.col)) }
}

/** Where Enter or a click on (row, col) leads: the run, on that task when a task row is chosen. */
export function gridTarget(model: RunGridModel, cursor: GridCursor): string | null {
  const run = model.runs[cursor.col]
  if (!run) return null
  const task = cursor.row >= 0 ? model.tasks[cursor.row] : undefined
  return `/ui/runs/${encodeURIComponent(run.id)}${task ? `?task=${encodeURIComponent(task)}` : ''}`
}

/** The fewest runs a live refresh asks for, and how many more than it needs (runs starting meanwhile). */
export const HEAD_MIN = 20
const HEAD_SLACK = 5

/** How a batch of live events is caught up with: the newest `size` runs again, or everything loaded. */
export type LiveRefresh = { kind: 'head'; size: number } | { kind: 'full' }

/**
 * What to refetch after events about `runIds`. Events are about recent runs almost always, so
 * only the newest runs are fetched again (the "head", as far back as the oldest run touched, plus
 * runs not seen yet, which are new) instead of every loaded page (3 MB for 500 runs × 100
 * tasks). The head never shrinks until a full refetch: a run it already covers must keep coming
 * from it, or its fresher state would be replaced by the older pages'. When the head would reach
 * the page size, everything is fetched again.
 */
export function liveRefresh(model: RunGridModel, runIds: Iterable<string>, headSize: number, limit: number): LiveRefresh {
  const index = new Map(model.runs.map((r, i) => [r.id, i]))
  let reach = 0
  let unseen = 0
  for (const id of runIds) {
    const i = index.get(id)
    if (i === undefined) unseen++
    else reach = Math.max(reach, i + 1)
  }
  const size = Math.max(headSize, reach + unseen + HEAD_SLACK, HEAD_MIN)
  return size >= limit ? { kind: 'full' } : { kind: 'head', size }
}
