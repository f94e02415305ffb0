import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent, type RefObject } from 'react'
import { useNavigate } from 'react-router'
import { useVirtualizer } from '@tanstack/react-virtual'
import { statusClass, statusIcon, statusLabel } from '../../ui/status'
import { formatDuration, formatTime } from '../../ui/time'
import { clampCursor, gridTarget, moveCursor, type GridCell, type GridCursor, type GridRun, type RunGridModel } from './run-grid-model'

/** One cell's pitch (square + gap), the task-name column's width and the run header's height, in px. */
const CELL = 22
const LABEL_W = 220
const HEADER_H = 92

/** What a cell's tooltip (and the highlighted-cell line) says. */
function cellWords(task: string, run: GridRun, cell: GridCell | undefined): string {
  const where = `${task} · run ${run.partition ?? formatTime(run.createdAt)}`
  if (!cell) return `${where} · not in this run's version`
  const attempts = cell.attempt > 0 ? ` · attempt ${cell.attempt}` : ''
  const took = cell.durationMs !== null ? ` · ${formatDuration(cell.durationMs)}` : ''
  return `${where} · ${statusLabel(cell.status)}${attempts}${took}`
}

function runWords(run: GridRun): string {
  return `Run ${run.partition ?? '(no partition)'} · ${statusLabel(run.status)} · ${run.trigger} · created ${formatTime(run.createdAt)} · version ${run.versionHash.slice(0, 8)}`
}

/** Cells are drawn in TILE × TILE blocks: scrolling mounts only the blocks coming into view. */
const TILE = 8

type TileProps = { model: RunGridModel; tr: number; tc: number; rowsKey: string }

/**
 * One block of cells. Redrawn only when one of its runs changed (the model hands out the same
 * column arrays for unchanged runs), so a live refetch repaints just the runs that moved.
 */
const Tile = memo(
  function Tile({ model, tr, tc }: TileProps) {
    const out = []
    const r0 = tr * TILE
    const c0 = tc * TILE
    const r1 = Math.min(model.tasks.length, r0 + TILE)
    const c1 = Math.min(model.runs.length, c0 + TILE)
    for (let c = c0; c < c1; c++) {
      const run = model.runs[c]!
      const column = model.column(c)
      for (let r = r0; r < r1; r++) {
        const task = model.tasks[r]!
        const cell = column[r]
        out.push(
          <div
            key={`${c}:${r}`}
            className={`rg-cell ${cell ? statusClass(cell.status) : 'rg-none'}`}
            style={{ left: (c - c0) * CELL, top: (r - r0) * CELL }}
            data-run={run.id}
            data-task={task}
            data-status={cell?.status ?? 'none'}
            data-row={r}
            data-col={c}
            title={cellWords(task, run, cell)}
          >
            {cell ? statusIcon(cell.status) : ''}
          </div>,
        )
      }
    }
    return (
      // Sized to its cells: a full-size last tile would stretch the scroll area past the last task.
      <div className="rg-tile" style={{ left: LABEL_W + c0 * CELL, top: HEADER_H + r0 * CELL, width: (c1 - c0) * CELL, height: (r1 - r0) * CELL }}>
        {out}
      </div>
    )
  },
  (a, b) => {
    if (a.tr !== b.tr || a.tc !== b.tc || a.rowsKey !== b.rowsKey) return false
    for (let c = a.tc * TILE; c < (a.tc + 1) * TILE; c++) {
      if (a.model.runs[c] !== b.model.runs[c] || a.model.column(c) !== b.model.column(c)) return false
    }
    return true
  },
)

/** The tiles covering the visible rows and columns. */
function Tiles({ model, rows, cols }: { model: RunGridModel; rows: [number, number]; cols: [number, number] }) {
  const rowsKey = useMemo(() => model.tasks.join('\n'), [model.tasks])
  if (rows[1] < rows[0] || cols[1] < cols[0]) return null
  const out = []
  for (let tc = Math.floor(cols[0] / TILE); tc <= Math.floor(cols[1] / TILE); tc++) {
    for (let tr = Math.floor(rows[0] / TILE); tr <= Math.floor(rows[1] / TILE); tr++) out.push(<Tile key={`${tr}:${tc}`} model={model} tr={tr} tc={tc} rowsKey={rowsKey} />)
  }
  return <>{out}</>
}

/**
 * Keeps the view on the same runs when newer runs arrive on the left: the scroll position and the
 * cursor move right by as many columns as were added (unless the view is at the left edge, where
 * a newcomer should show up).
 */
function useStickToRuns(model: RunGridModel, scroller: RefObject<HTMLDivElement | null>, setCursor: (f: (c: GridCursor | null) => GridCursor | null) => void) {
  const firstRun = useRef<string | null>(null)
  useLayoutEffect(() => {
    const before = firstRun.current
    firstRun.current = model.runs[0]?.id ?? null
    if (!before || !scroller.current) return
    const shift = model.runs.findIndex((r) => r.id === before)
    if (shift <= 0) return
    if (scroller.current.scrollLeft > 0) scroller.current.scrollLeft += shift * CELL
    setCursor((c) => (c ? { ...c, col: Math.min(c.col + shift, model.runs.length - 1) } : c))
  }, [model])
}

/** The grid box's height: as tall as the window leaves below it (it is the page's main view). */
function useFitHeight(scroller: RefObject<HTMLDivElement | null>): number {
  const [height, setHeight] = useState(560)
  useLayoutEffect(() => {
    const fit = () => {
      const top = scroller.current?.getBoundingClientRect().top ?? 300
      setHeight(Math.max(240, window.innerHeight - Math.max(top + window.scrollY, 0) - 56))
    }
    fit()
    window.addEventListener('resize', fit)
    return () => window.removeEventListener('resize', fit)
  }, [])
  return height
}

/**
 * The runs × tasks grid (Airflow's grid, fast): rows are tasks, columns runs NEWEST FIRST (left).
 * Both axes are virtualised (@tanstack/react-virtual on one scroll box): only the visible cells
 * exist in the DOM, so 500 runs × 100 tasks scroll smoothly. The task column and the run header
 * row stay in place (sticky). The grid takes focus: arrows move the highlighted cell (up from the
 * first task reaches the run header), Enter or a click opens the run on that task.
 */
export function RunGrid({ model, label }: { model: RunGridModel; label: string }) {
  const scroller = useRef<HTMLDivElement>(null)
  const navigate = useNavigate()
  const [cursor, setCursor] = useState<GridCursor | null>(null)
  const rowV = useVirtualizer({ count: model.tasks.length, getScrollElement: () => scroller.current, estimateSize: () => CELL, overscan: 2, paddingStart: HEADER_H, scrollPaddingStart: HEADER_H, useFlushSync: false })
  const colV = useVirtualizer({ horizontal: true, count: model.runs.length, getScrollElement: () => scroller.current, estimateSize: () => CELL, overscan: 2, paddingStart: LABEL_W, scrollPaddingStart: LABEL_W, useFlushSync: false })
  const rowItems = rowV.getVirtualItems()
  const colItems = colV.getVirtualItems()
  const rows: [number, number] = [rowItems[0]?.index ?? 0, rowItems.at(-1)?.index ?? -1]
  const cols: [number, number] = [colItems[0]?.index ?? 0, colItems.at(-1)?.index ?? -1]
  // Stable tuples, so the memoised cell block re-renders only when the visible range moves.
  const rowRange = useMemo(() => rows, [rows[0], rows[1]])
  const colRange = useMemo(() => cols, [cols[0], cols[1]])

  // A refetch or a filter can shrink the grid under the cursor.
  const rowsN = model.tasks.length
  const colsN = model.runs.length
  useEffect(() => setCursor((c) => (c ? clampCursor(c, rowsN, colsN) : c)), [rowsN, colsN])
  useStickToRuns(model, scroller, setCursor)
  const maxHeight = useFitHeight(scroller)

  const open = (target: GridCursor, newTab = false) => {
    const to = gridTarget(model, target)
    if (!to) return
    if (newTab) window.open(to, '_blank', 'noopener')
    else void navigate(to)
  }
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' && cursor) {
      e.preventDefault()
      open(cursor, e.ctrlKey || e.metaKey)
      return
    }
    const next = moveCursor(cursor ?? { row: 0, col: 0 }, e.key, rowsN, colsN)
    if (!next) return
    e.preventDefault()
    setCursor(next)
    if (next.row >= 0) rowV.scrollToIndex(next.row)
    else rowV.scrollToOffset(0)
    colV.scrollToIndex(next.col)
  }
  const onCellClick = (e: MouseEvent<HTMLDivElement>) => {
    const el = (e.target as HTMLElement).closest<HTMLElement>('.rg-cell')
    if (!el) return
    const target = { row: Number(el.dataset.row), col: Number(el.dataset.col) }
    setCursor(target)
    open(target, e.ctrlKey || e.metaKey)
  }

  const current = cursor ? describeCursor(model, cursor) : null
  return (
    <div className="rg-wrap">
      <div
        ref={scroller}
        className="rg-scroll"
        data-testid="run-grid"
        data-runs={colsN}
        data-tasks={rowsN}
        tabIndex={0}
        role="region"
        aria-label={`${label}. Arrow keys move between cells, Enter opens the run on that task.`}
        aria-describedby="rg-current"
        onKeyDown={onKeyDown}
        onFocus={() => setCursor((c) => c ?? { row: 0, col: 0 })}
        // As small as its content, as large as the window allows: a 6-task grid leaves no empty box.
        style={{ height: Math.min(rowV.getTotalSize() + 2, maxHeight), width: `min(${colV.getTotalSize() + 2}px, 100%)` }}
      >
        <div className="rg-canvas" style={{ width: colV.getTotalSize(), height: rowV.getTotalSize() }} onClick={onCellClick}>
          <div className="rg-header" style={{ width: colV.getTotalSize(), height: HEADER_H }}>
            <div className="rg-corner" style={{ width: LABEL_W, height: HEADER_H }}>
              <span>Task ↓ · Run →</span>
              <span className="muted">newest first</span>
            </div>
            {colItems.map((c) => {
              const run = model.runs[c.index]!
              const older = model.runs[c.index + 1]
              return (
                <a
                  key={run.id}
                  href={`/ui/runs/${encodeURIComponent(run.id)}`}
                  tabIndex={-1}
                  className={`rg-run${older && older.versionHash !== run.versionHash ? ' rg-vchange' : ''}${cursor?.col === c.index ? ' rg-on' : ''}${cursor?.row === -1 && cursor.col === c.index ? ' rg-cursor' : ''}`}
                  style={{ left: c.start, width: CELL }}
                  title={runWords(run)}
                  data-run={run.id}
                  data-status={run.status}
                  onClick={(e) => {
                    if (e.ctrlKey || e.metaKey || e.button !== 0) return
                    e.preventDefault()
                    void navigate(`/ui/runs/${encodeURIComponent(run.id)}`)
                  }}
                >
                  <span className={`rg-runmark ${statusClass(run.status)}`} aria-hidden="true">
                    {statusIcon(run.status)}
                  </span>
                  <span className="rg-runlabel">{run.partition ?? formatTime(run.createdAt).slice(12, 17)}</span>
                </a>
              )
            })}
          </div>
          <div className="rg-labels" style={{ width: LABEL_W, height: rowV.getTotalSize() - HEADER_H }}>
            {rowItems.map((r) => (
              <div key={r.index} className={`rg-task${cursor?.row === r.index ? ' rg-on' : ''}`} style={{ top: r.start - HEADER_H }} title={model.tasks[r.index]}>
                {model.tasks[r.index]}
              </div>
            ))}
          </div>
          <Tiles model={model} rows={rowRange} cols={colRange} />
          {cursor && cursor.row >= 0 ? <div className="rg-cursor-box" style={{ left: LABEL_W + cursor.col * CELL, top: HEADER_H + cursor.row * CELL }} aria-hidden="true" /> : null}
        </div>
      </div>
      <p id="rg-current" className="rg-current" aria-live="polite">
        {current ?? 'Tab into the grid, then use the arrow keys; Enter opens the run on that task.'}
      </p>
    </div>
  )
}

function describeCursor(model: RunGridModel, cursor: GridCursor): string | null {
  const run = model.runs[cursor.col]
  if (!run) return null
  if (cursor.row < 0) return `${runWords(run)} — Enter opens the run.`
  const task = model.tasks[cursor.row]
  if (task === undefined) return null
  return `${cellWords(task, run, model.cellAt(cursor.col, cursor.row))} — Enter opens the run on this task.`
}
