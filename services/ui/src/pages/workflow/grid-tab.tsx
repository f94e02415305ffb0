import { useEffect, useState } from 'react'
import { useSearchParams } from 'react-router'
import { LiveIndicator } from '../../live/live-events'
import { StatusLegend, statusClass, statusIcon, statusLabel } from '../../ui/status'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { RunGrid } from './run-grid'
import { GRID_LIMITS, readGridFilter, RUN_STATUSES, writeGridFilter, type GridFilter } from './run-grid-model'
import { useLiveGrid } from './use-live-grid'

/** The partition filter: typed freely, written to the URL (and fetched) once typing pauses. */
function PartitionFilter({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value)
  useEffect(() => setText(value), [value])
  useEffect(() => {
    if (text.trim() === value) return
    const t = window.setTimeout(() => onChange(text.trim()), 400)
    return () => window.clearTimeout(t)
  }, [text])
  return (
    <label>
      Partition <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="exact, e.g. 2026-12-01" size={16} />
    </label>
  )
}

/** The grid's filter bar: run statuses (toggles), partition, page size, task name. */
function GridFilters({ filter, set }: { filter: GridFilter; set: (f: GridFilter) => void }) {
  const toggle = (s: (typeof RUN_STATUSES)[number]) => set({ ...filter, statuses: filter.statuses.includes(s) ? filter.statuses.filter((x) => x !== s) : [...filter.statuses, s] })
  return (
    <div className="toolbar" role="search" aria-label="Filter the run grid">
      <span role="group" aria-label="Run status" className="toolbar">
        <span className="muted">Runs:</span>
        {RUN_STATUSES.map((s) => (
          <button key={s} type="button" className={`rg-status-toggle ${statusClass(s)}`} aria-pressed={filter.statuses.includes(s)} onClick={() => toggle(s)}>
            <span aria-hidden="true">{statusIcon(s)}</span> {statusLabel(s)}
          </button>
        ))}
      </span>
      <PartitionFilter value={filter.partition} onChange={(partition) => set({ ...filter, partition })} />
      <label>
        Tasks <input type="search" value={filter.taskQuery} onChange={(e) => set({ ...filter, taskQuery: e.target.value })} placeholder="name contains…" size={14} />
      </label>
      <label>
        Runs per page{' '}
        <select value={filter.limit} onChange={(e) => set({ ...filter, limit: Number(e.target.value) })}>
          {GRID_LIMITS.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}

/**
 * The Grid tab: the runs × tasks grid with its filters (in the URL), "load older runs" (the API's
 * `nextCursor`), and live updates (`useLiveGrid`).
 */
export function GridTab({ workflow, onTrigger }: { workflow: string; onTrigger?: () => void }) {
  const [search, setSearch] = useSearchParams()
  const filter = readGridFilter(search)
  const set = (f: GridFilter) => setSearch(writeGridFilter(search, f), { replace: true })
  const { model, pages: grid, live } = useLiveGrid(workflow, filter)
  const filtered = filter.statuses.length > 0 || filter.partition !== '' || filter.taskQuery !== ''

  return (
    <section aria-label="Run grid">
      <GridFilters filter={filter} set={set} />
      <div className="rg-footer">
        <StatusLegend />
        <LiveIndicator state={live} />
      </div>
      {grid.isPending ? (
        <Loading what="the run grid" />
      ) : grid.isError ? (
        <ErrorState error={grid.error} what="the run grid" retry={() => void grid.refetch()} />
      ) : model.runs.length === 0 || model.tasks.length === 0 ? (
        filtered ? (
          <Empty>
            No runs or tasks match these filters.{' '}
            <button type="button" onClick={() => set({ statuses: [], partition: '', limit: filter.limit, taskQuery: '' })}>
              Clear filters
            </button>
          </Empty>
        ) : (
          <Empty>
            No runs yet — {onTrigger ? <button type="button" onClick={onTrigger}>Trigger run</button> : 'a run appears here when its schedule, data gate or someone with the trigger permission starts one'}.
          </Empty>
        )
      ) : (
        <>
          <RunGrid model={model} label={`Run grid of ${workflow}: ${model.tasks.length} tasks × ${model.runs.length} runs, newest run on the left`} />
          <div className="rg-footer">
            <span className="muted">
              {model.runs.length} runs × {model.tasks.length} tasks, newest on the left{grid.isFetching && !grid.isFetchingNextPage ? ' · refreshing…' : ''}
            </span>
            {grid.hasNextPage ? (
              <button type="button" onClick={() => void grid.fetchNextPage()} disabled={grid.isFetchingNextPage}>
                {grid.isFetchingNextPage ? 'Loading older runs…' : `Load ${filter.limit} older runs`}
              </button>
            ) : (
              <span className="muted">All runs loaded.</span>
            )}
          </div>
        </>
      )}
    </section>
  )
}
