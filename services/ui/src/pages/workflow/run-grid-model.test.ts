import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRunGrid, clampCursor, gridTarget, liveRefresh, moveCursor, readGridFilter, writeGridFilter, type GridFilter, type GridPage } from './run-grid-model'

const none: GridFilter = { statuses: [], partition: '', limit: 100, taskQuery: '' }

function run(id: string, status: string, partition: string, cells: [number, string][]) {
  return {
    id,
    status,
    partition,
    trigger: 'manual',
    versionHash: 'v1',
    createdAt: '2026-12-01T00:00:00Z',
    finishedAt: null,
    cells: cells.map(([task, s]) => ({ task, status: s, attempt: 1, durationMs: 10 })),
  }
}

const page1: GridPage = {
  tasks: ['extract', 'load', 'report'],
  runs: [run('r3', 'failed', '2026-12-03', [[0, 'succeeded'], [1, 'failed'], [2, 'upstream_failed']]), run('r2', 'succeeded', '2026-12-02', [[0, 'succeeded'], [1, 'succeeded'], [2, 'succeeded']])],
  nextCursor: 'r2',
}
// An older version: no `report`, an extra `legacy`, in another order (indexes are per page).
const page2: GridPage = {
  tasks: ['legacy', 'load', 'extract'],
  runs: [run('r2', 'succeeded', '2026-12-02', []), run('r1', 'cancelled', '2026-12-01', [[0, 'succeeded'], [1, 'cancelled'], [2, 'succeeded']])],
  nextCursor: null,
}

test('pages merge onto the union of tasks, first page order first, each page remapped', () => {
  const g = buildRunGrid([page1, page2], none)
  assert.deepEqual(g.tasks, ['extract', 'load', 'report', 'legacy'])
  assert.deepEqual(g.runs.map((r) => r.id), ['r3', 'r2', 'r1'])
  assert.equal(g.loadedRuns, 3)
  assert.equal(g.cellAt(0, 1)?.status, 'failed')
  assert.equal(g.cellAt(2, 0)?.status, 'succeeded') // r1's extract was index 2 on its page
  assert.equal(g.cellAt(2, 1)?.status, 'cancelled')
  assert.equal(g.cellAt(2, 3)?.status, 'succeeded') // legacy
  assert.equal(g.cellAt(2, 2), undefined) // r1's version had no report
  assert.equal(g.cellAt(0, 3), undefined)
  assert.equal(g.cellAt(0, 9), undefined)
})

test('a run repeated across pages is kept once, with its first (newest) cells', () => {
  const g = buildRunGrid([page1, page2], none)
  assert.equal(g.runs.filter((r) => r.id === 'r2').length, 1)
  assert.equal(g.cellAt(1, 2)?.status, 'succeeded')
})

test('run status, partition and task filters apply', () => {
  const failed = buildRunGrid([page1, page2], { ...none, statuses: ['failed', 'cancelled'] })
  assert.deepEqual(failed.runs.map((r) => r.id), ['r3', 'r1'])
  assert.equal(failed.cellAt(1, 1)?.status, 'cancelled')
  const oneDay = buildRunGrid([page1, page2], { ...none, partition: '2026-12-02' })
  assert.deepEqual(oneDay.runs.map((r) => r.id), ['r2'])
  const tasks = buildRunGrid([page1, page2], { ...none, taskQuery: 'LOA' })
  assert.deepEqual(tasks.tasks, ['load'])
  assert.equal(tasks.cellAt(0, 0)?.status, 'failed')
  assert.equal(tasks.cellAt(2, 0)?.status, 'cancelled')
})

test('no pages: an empty grid', () => {
  const g = buildRunGrid([], none)
  assert.deepEqual([g.tasks, g.runs, g.loadedRuns], [[], [], 0])
})

test('filters round-trip through the URL; junk is dropped and defaults stay out of links', () => {
  const f = readGridFilter(new URLSearchParams('tab=grid&status=failed&status=bogus&status=failed&partition=%202026-12-01%20&limit=250&tasks=load'))
  assert.deepEqual(f, { statuses: ['failed'], partition: '2026-12-01', limit: 250, taskQuery: 'load' })
  assert.equal(writeGridFilter(new URLSearchParams('tab=grid&limit=500'), f).toString(), 'tab=grid&status=failed&partition=2026-12-01&limit=250&tasks=load')
  assert.equal(readGridFilter(new URLSearchParams('limit=7')).limit, 100)
  assert.equal(writeGridFilter(new URLSearchParams('tab=grid'), none).toString(), 'tab=grid')
})

test('the cursor moves with arrows, pages and Home/End, stops at edges, and reaches the header row', () => {
  assert.deepEqual(moveCursor({ row: 0, col: 0 }, 'ArrowUp', 5, 3), { row: -1, col: 0 })
  assert.deepEqual(moveCursor({ row: -1, col: 0 }, 'ArrowUp', 5, 3), { row: -1, col: 0 })
  assert.deepEqual(moveCursor({ row: 4, col: 2 }, 'ArrowDown', 5, 3), { row: 4, col: 2 })
  assert.deepEqual(moveCursor({ row: 1, col: 2 }, 'ArrowRight', 5, 3), { row: 1, col: 2 })
  assert.deepEqual(moveCursor({ row: 1, col: 0 }, 'ArrowLeft', 5, 3), { row: 1, col: 0 })
  assert.deepEqual(moveCursor({ row: 1, col: 1 }, 'PageDown', 5, 3), { row: 4, col: 1 })
  assert.deepEqual(moveCursor({ row: 3, col: 1 }, 'End', 5, 3), { row: 3, col: 2 })
  assert.equal(moveCursor({ row: 0, col: 0 }, 'a', 5, 3), null)
  assert.equal(moveCursor({ row: 0, col: 0 }, 'ArrowDown', 0, 3), null)
})

test('a cursor is clamped into a grid that shrank', () => {
  assert.deepEqual(clampCursor({ row: 9, col: 9 }, 3, 2), { row: 2, col: 1 })
  assert.equal(clampCursor({ row: 0, col: 0 }, 3, 0), null)
})

test('Enter leads to the run, on the task when a task row is chosen', () => {
  const g = buildRunGrid([page1], none)
  assert.equal(gridTarget(g, { row: 1, col: 0 }), '/ui/runs/r3?task=load')
  assert.equal(gridTarget(g, { row: -1, col: 1 }), '/ui/runs/r2')
  assert.equal(gridTarget(g, { row: 0, col: 7 }), null)
})

test('an unchanged run keeps its column (same array) across rebuilds; a changed run gets a new one', () => {
  const g1 = buildRunGrid([page1], none)
  const changed = { ...page1, runs: [{ ...page1.runs[0]!, status: 'running' }, page1.runs[1]!] }
  const g2 = buildRunGrid([changed], none)
  assert.equal(g2.column(1), g1.column(1))
  assert.notEqual(g2.column(0), g1.column(0))
  const filtered = buildRunGrid([changed], { ...none, taskQuery: 'load' })
  assert.notEqual(filtered.column(1), g1.column(1))
  assert.equal(filtered.column(1).length, 1)
})

test('live events refetch the newest runs as far back as the oldest touched, never shrinking, or everything', () => {
  const runs = Array.from({ length: 60 }, (_, i) => run(`r${i}`, 'running', `p${i}`, []))
  const g = buildRunGrid([{ tasks: ['a'], runs, nextCursor: null }], none)
  assert.deepEqual(liveRefresh(g, ['r0'], 0, 100), { kind: 'head', size: 20 })
  assert.deepEqual(liveRefresh(g, ['r30', 'new1', 'new2'], 0, 100), { kind: 'head', size: 31 + 2 + 5 })
  assert.deepEqual(liveRefresh(g, ['r1'], 38, 100), { kind: 'head', size: 38 })
  assert.deepEqual(liveRefresh(g, ['r59'], 0, 60), { kind: 'full' })
  assert.deepEqual(liveRefresh(g, ['r1'], 0, 20), { kind: 'full' })
})
