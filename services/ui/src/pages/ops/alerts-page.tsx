import { useMemo } from 'react'
import { $api } from '../../api/client'
import { LiveIndicator } from '../../live/live-events'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { alertQuery, alertsOfKind, kindsOf, readAlertFilter } from './alert-filters'
import { AlertRows } from './alert-rows'
import { useLiveRefetch } from './live-refetch'
import { useUrlParams } from './url-state'
import './ops.css'

/**
 * Alerts raised for owners, open and resolved, most recent first: cause, workflow, partition,
 * run, how often it repeated, and who was told on which channel. Filters (status, workflow, kind)
 * and the unfolded alert live in the URL; alert events refetch the list.
 */
export function AlertsPage() {
  const [params, setParams] = useUrlParams()
  const filter = readAlertFilter(params)
  const list = $api.useQuery('get', '/alerts', { params: { query: alertQuery(filter) } })
  const workflows = $api.useQuery('get', '/workflows')
  const live = useLiveRefetch({ types: ['alert'] }, () => list.refetch(), 1000)
  const items = list.data?.items
  const kinds = useMemo(() => kindsOf(items ?? []), [items])
  const shown = useMemo(() => alertsOfKind(items ?? [], filter.kind), [items, filter.kind])
  const names = workflows.data?.items.map((w) => w.name) ?? []
  const filtered = filter.status || filter.workflow || filter.kind
  const clear = () => setParams({ status: '', workflow: '', kind: '' })

  return (
    <div className="ops-page">
      <div className="page-header">
        <div>
          <h1>Alerts</h1>
          <span className="muted">{items ? `${shown.length} shown, ${shown.filter((a) => a.status === 'firing').length} open` : ' '}</span>{' '}
          <LiveIndicator state={live} />
        </div>
      </div>
      <div className="toolbar" role="search" aria-label="Filter alerts">
        <label>
          Status{' '}
          <select value={filter.status} onChange={(e) => setParams({ status: e.target.value })}>
            <option value="">open and closed</option>
            <option value="firing">open (firing)</option>
            <option value="resolved">resolved</option>
            <option value="expired">expired</option>
          </select>
        </label>
        <label>
          Workflow{' '}
          <select value={filter.workflow} onChange={(e) => setParams({ workflow: e.target.value })}>
            <option value="">any workflow</option>
            {filter.workflow && !names.includes(filter.workflow) ? <option value={filter.workflow}>{filter.workflow}</option> : null}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select value={filter.kind} onChange={(e) => setParams({ kind: e.target.value })}>
            <option value="">any kind</option>
            {filter.kind && !kinds.includes(filter.kind) ? <option value={filter.kind}>{filter.kind}</option> : null}
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <button type="button" onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </div>
      {list.isPending ? (
        <Loading what="alerts" />
      ) : list.isError ? (
        <ErrorState error={list.error} what="alerts" retry={() => void list.refetch()} />
      ) : !shown.length ? (
        <Empty>
          {filtered ? (
            <>
              No alert matches these filters.{' '}
              <button type="button" onClick={clear}>
                Clear filters
              </button>
            </>
          ) : (
            <>No alerts: nothing has failed, been late or waited for approval in the workflows you may read. New alerts appear here as they fire.</>
          )}
        </Empty>
      ) : (
        <div className="ops-scroll">
          <table className="table ops-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Kind</th>
                <th scope="col">Workflow</th>
                <th scope="col">Summary</th>
                <th scope="col">Run</th>
                <th scope="col">First / last fired</th>
                <th scope="col">Count</th>
                <th scope="col">Resolved at</th>
                <th scope="col">Deliveries</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <AlertRows key={a.id} alert={a} open={filter.open === String(a.id)} onToggle={() => setParams({ open: filter.open === String(a.id) ? '' : String(a.id) })} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
