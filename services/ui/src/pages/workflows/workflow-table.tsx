import { memo, useRef, type KeyboardEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { useVirtualizer } from '@tanstack/react-virtual'
import { AlertsCell, FreshnessCell, GateCell, RecentRunsCell, ScheduleCell, StateCell } from './workflow-cells'
import type { WorkflowSummary } from './workflow-filters'

/** Above this many rows only the visible ones are in the DOM. */
const VIRTUAL_FROM = 100
/** A row's height in pixels, fixed by workflows.css (`.wf-table td`), so rows need no measuring (measuring forces a layout per row). */
const ROW_HEIGHT = 53

/** The row a key event happened in, and its index. */
function rowOf(target: EventTarget): { row: HTMLElement; index: number } | null {
  const row = (target as HTMLElement).closest<HTMLElement>('tr[data-index]')
  return row ? { row, index: Number(row.dataset.index) } : null
}

/**
 * The workflows as a table. Each row is a Tab stop (Enter opens the workflow; ↑/↓, Home/End move
 * between rows); its links (runs, alerts) follow it in Tab order. With more than 100 workflows
 * the rows are virtualized inside their own scroll box, with fixed column widths so the columns
 * do not jump while scrolling.
 */
export function WorkflowTable({ rows }: { rows: readonly WorkflowSummary[] }) {
  const navigate = useNavigate()
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtual = rows.length > VIRTUAL_FROM
  const virtualizer = useVirtualizer({
    count: virtual ? rows.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })

  const focusRow = (index: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, index))
    const find = () => scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${i}"]`)
    if (virtual) virtualizer.scrollToIndex(i, { align: 'auto' })
    // A virtualized row may only exist after the next render.
    const now = find()
    if (now) now.focus()
    else requestAnimationFrame(() => requestAnimationFrame(() => find()?.focus()))
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const at = rowOf(e.target)
    if (!at) return
    const onRow = e.target === at.row
    if (e.key === 'Enter' && onRow) navigate(`/ui/workflows/${encodeURIComponent(rows[at.index]!.name)}`)
    else if (e.key === 'ArrowDown') focusRow(at.index + 1)
    else if (e.key === 'ArrowUp') focusRow(at.index - 1)
    else if (e.key === 'Home' && onRow) focusRow(0)
    else if (e.key === 'End' && onRow) focusRow(rows.length - 1)
    else return
    e.preventDefault()
  }

  const items = virtual ? virtualizer.getVirtualItems() : rows.map((_, index) => ({ index, start: 0, end: 0 }))
  const padTop = virtual && items.length ? items[0]!.start : 0
  const padBottom = virtual && items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0

  return (
    <div ref={scrollRef} className={virtual ? 'wf-scroll wf-virtual' : 'wf-scroll'}>
      <table className="table wf-table" aria-rowcount={rows.length + 1}>
        <colgroup>
          <col className="wf-c-name" />
          <col className="wf-c-owner" />
          <col className="wf-c-state" />
          <col className="wf-c-schedule" />
          <col className="wf-c-gate" />
          <col className="wf-c-runs" />
          <col className="wf-c-fresh" />
          <col className="wf-c-alerts" />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Workflow</th>
            <th scope="col">Owner</th>
            <th scope="col">State</th>
            <th scope="col">Schedule</th>
            <th scope="col">Data gate</th>
            <th scope="col">Recent runs</th>
            <th scope="col">Freshness</th>
            <th scope="col">Alerts</th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} /> : null}
          {items.map(({ index }) => {
            const w = rows[index]!
            return <WorkflowRow key={w.name} w={w} index={index} />
          })}
          {padBottom > 0 ? <tr aria-hidden="true" style={{ height: padBottom }} /> : null}
        </tbody>
      </table>
    </div>
  )
}

/**
 * One workflow's row, memoized: while scrolling, rows already on screen are not rendered again
 * (a row's summary object only changes when the list is refetched).
 */
const WorkflowRow = memo(function WorkflowRow({ w, index }: { w: WorkflowSummary; index: number }) {
  return (
    <tr data-index={index} aria-rowindex={index + 2} tabIndex={0} className="wf-row">
      <td className="wf-name">
        <Link to={`/ui/workflows/${encodeURIComponent(w.name)}`} tabIndex={-1}>
          {w.name}
        </Link>
        <div className="wf-sub muted" title={w.description ?? undefined}>
          {w.description ?? `${w.tasks} task${w.tasks === 1 ? '' : 's'}`}
        </div>
      </td>
      <td className="wf-clip">{w.owner ?? <span className="muted">—</span>}</td>
      <td>
        <StateCell w={w} />
      </td>
      <td className="wf-clip">
        <ScheduleCell w={w} />
      </td>
      <td className="wf-clip">
        <GateCell w={w} />
      </td>
      <td>
        <RecentRunsCell w={w} />
      </td>
      <td>
        <FreshnessCell w={w} />
      </td>
      <td>
        <AlertsCell w={w} />
      </td>
    </tr>
  )
})
