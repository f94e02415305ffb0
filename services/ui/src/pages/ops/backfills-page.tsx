import { useQueryClient } from '@tanstack/react-query'
import { Link } from 'react-router'
import { $api } from '../../api/client'
import { LiveIndicator } from '../../live/live-events'
import { StatusBadge } from '../../ui/status'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'
import { ProgressBar } from '../../ui/backfill-progress-bar'
import { BackfillDetails } from './backfill-details'
import type { Backfill } from '../../ui/backfill-progress'
import { useLiveRefetch } from './live-refetch'
import { useUrlParams } from './url-state'
import './ops.css'

const STATUSES: readonly Backfill['status'][] = ['running', 'succeeded', 'failed', 'cancelled']

/**
 * Backfills, newest first, with their progress; `?id=` shows one with its runs and the actions
 * the caller may take. Filters (workflow, status) live in the URL. Run events refetch (at most
 * every 2 s), so progress moves while the page is open.
 */
export function BackfillsPage() {
  const [params, setParams] = useUrlParams()
  const workflow = params.get('workflow') ?? ''
  const status = params.get('status') ?? ''
  const selected = params.get('id') ?? ''
  const queryClient = useQueryClient()
  const list = $api.useQuery('get', '/backfills', { params: { query: { limit: 200, ...(workflow ? { workflow } : {}) } } })
  const workflows = $api.useQuery('get', '/workflows')
  const live = useLiveRefetch({ types: ['run'] }, () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['get', '/backfills'] }), queryClient.invalidateQueries({ queryKey: ['get', '/backfills/{id}'] }), queryClient.invalidateQueries({ queryKey: ['get', '/runs'] })]),
  )
  const items = (list.data?.items ?? []).filter((b) => !status || b.status === status)
  const names = workflows.data?.items.map((w) => w.name) ?? []
  const select = (id: string) => setParams({ id }, { push: true })

  return (
    <div className="ops-page">
      <div className="page-header">
        <div>
          <h1>Backfills</h1>
          <LiveIndicator state={live} />
        </div>
      </div>
      <div className="toolbar" role="search" aria-label="Filter backfills">
        <label>
          Workflow{' '}
          <select value={workflow} onChange={(e) => setParams({ workflow: e.target.value })}>
            <option value="">any workflow</option>
            {workflow && !names.includes(workflow) ? <option value={workflow}>{workflow}</option> : null}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setParams({ status: e.target.value })}>
            <option value="">any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className={selected ? 'split' : undefined}>
        <div>
          {list.isPending ? (
            <Loading what="backfills" />
          ) : list.isError ? (
            <ErrorState error={list.error} what="backfills" retry={() => void list.refetch()} />
          ) : !items.length ? (
            <Empty>
              {workflow || status ? 'No backfill matches these filters.' : 'No backfills yet.'} Start one with{' '}
              <code>baton backfill WORKFLOW --from PARTITION --to PARTITION</code> (or POST /backfills); it appears here with its progress.
            </Empty>
          ) : (
            <div className="ops-scroll">
              <table className="table ops-table">
                <thead>
                  <tr>
                    <th scope="col">Range</th>
                    <th scope="col">Workflow</th>
                    <th scope="col">Status</th>
                    <th scope="col">Progress</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((b) => (
                    <tr key={b.id} className={b.id === selected ? 'ops-row-selected' : undefined}>
                      <td>
                        <Link to={`?${withId(params, b.id)}`} aria-current={b.id === selected ? 'true' : undefined} title="Show this backfill">
                          {b.from} → {b.to}
                        </Link>
                      </td>
                      <td className="ops-clip">{b.workflow}</td>
                      <td>
                        <StatusBadge status={b.status} />
                      </td>
                      <td>
                        <ProgressBar backfill={b} compact={!!selected} />
                      </td>
                      <td>
                        <Time value={b.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        {selected ? (
          <BackfillDetails id={selected} onSelect={select} onClose={() => setParams({ id: '' }, { push: true })} />
        ) : null}
      </div>
    </div>
  )
}

/** The current query string with `id` set: selecting a backfill keeps the filters. */
function withId(params: URLSearchParams, id: string): string {
  const next = new URLSearchParams(params)
  next.set('id', id)
  return next.toString()
}
