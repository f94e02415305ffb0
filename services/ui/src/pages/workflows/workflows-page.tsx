import { useEffect, useMemo, useRef } from 'react'
import { $api } from '../../api/client'
import { LiveIndicator } from '../../live/live-events'
import { StatusLegend } from '../../ui/status'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { useLiveRefetch } from '../ops/live-refetch'
import { useUrlParams } from '../ops/url-state'
import { FRESHNESS, filterWorkflows, ownersOf, readWorkflowFilter, type FreshnessState } from './workflow-filters'
import { WorkflowTable } from './workflow-table'
import './workflows.css'

/** `/` focuses the name filter (unless the caller is typing somewhere already). */
function useSlashFocus(target: React.RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return
      const el = e.target as HTMLElement
      if (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) return
      e.preventDefault()
      target.current?.focus()
      target.current?.select()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [target])
}

/**
 * Every deployed workflow the caller may read: state, schedule, data gate, recent runs,
 * freshness and open alerts, filtered by owner, state, name and freshness (all in the URL). Run
 * and alert events refetch the list (at most every 2 s).
 */
export function WorkflowsPage() {
  const [params, setParams] = useUrlParams()
  const filter = readWorkflowFilter(params)
  const nameRef = useRef<HTMLInputElement>(null)
  useSlashFocus(nameRef)
  const list = $api.useQuery('get', '/workflows')
  const live = useLiveRefetch({ types: ['run', 'alert'] }, () => list.refetch())
  const all = list.data?.items
  const owners = useMemo(() => ownersOf(all ?? []), [all])
  // `params` changes identity only when the URL does: filtering runs once per keystroke.
  const rows = useMemo(() => filterWorkflows(all ?? [], readWorkflowFilter(params)), [all, params])
  const filtered = filter.owner || filter.name || filter.freshness || filter.status !== 'current'

  return (
    <div className="wf-page">
      <div className="page-header">
        <div>
          <h1>Workflows</h1>
          <span className="muted">{all ? `${rows.length} of ${all.length} shown` : ' '}</span> <LiveIndicator state={live} />
        </div>
      </div>
      <div className="toolbar" role="search" aria-label="Filter workflows">
        <label>
          Name{' '}
          <input
            ref={nameRef}
            type="search"
            placeholder="name or glob (press /)"
            value={filter.name}
            onChange={(e) => setParams({ name: e.target.value })}
            aria-keyshortcuts="/"
          />
        </label>
        <label>
          Owner{' '}
          <select value={filter.owner} onChange={(e) => setParams({ owner: e.target.value })}>
            <option value="">any owner</option>
            {filter.owner && !owners.includes(filter.owner) ? <option value={filter.owner}>{filter.owner}</option> : null}
            {owners.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          State{' '}
          <select value={filter.status} onChange={(e) => setParams({ status: e.target.value === 'current' ? '' : e.target.value })}>
            <option value="current">active and paused</option>
            <option value="active">active</option>
            <option value="paused">paused</option>
            <option value="archived">archived</option>
            <option value="all">all, archived too</option>
          </select>
        </label>
        <label>
          Freshness{' '}
          <select value={filter.freshness} onChange={(e) => setParams({ freshness: e.target.value })}>
            <option value="">any</option>
            {(Object.keys(FRESHNESS) as FreshnessState[]).map((s) => (
              <option key={s} value={s}>
                {FRESHNESS[s].icon} {s}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <button type="button" onClick={() => setParams({ name: '', owner: '', status: '', freshness: '' })}>
            Clear filters
          </button>
        ) : null}
      </div>
      {list.isPending ? (
        <Loading what="workflows" />
      ) : list.isError ? (
        <ErrorState error={list.error} what="workflows" retry={() => void list.refetch()} />
      ) : !all?.length ? (
        <Empty>
          <strong>No workflows deployed yet</strong> (or none you may read). Deploy some with <code>baton deploy path/to/workflows</code>; they appear here
          at once.
        </Empty>
      ) : !rows.length ? (
        <Empty>
          No workflow matches these filters.{' '}
          <button type="button" onClick={() => setParams({ name: '', owner: '', status: '', freshness: '' })}>
            Clear filters
          </button>
        </Empty>
      ) : (
        <>
          <WorkflowTable rows={rows} />
          <StatusLegend statuses={['queued', 'running', 'succeeded', 'failed', 'cancelled']} />
        </>
      )}
    </div>
  )
}
