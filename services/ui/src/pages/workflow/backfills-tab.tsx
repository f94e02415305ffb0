import { Link } from 'react-router'
import { $api } from '../../api/client'
import { ProgressBar } from '../../ui/backfill-progress-bar'
import { StatusBadge } from '../../ui/status'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'

/** The Backfills tab: this workflow's backfills, newest first, with progress; each links to the Backfills page. */
export function BackfillsTab({ name, onBackfill }: { name: string; onBackfill?: () => void }) {
  const list = $api.useQuery('get', '/backfills', { params: { query: { workflow: name, limit: 100 } } }, { refetchInterval: (q) => (q.state.data?.items.some((b) => b.status === 'running') ? 5000 : false) })
  if (list.isPending) return <Loading what="backfills" />
  if (list.isError) return <ErrorState error={list.error} what="backfills" retry={() => void list.refetch()} />
  const items = list.data.items
  if (items.length === 0) return <Empty>No backfills of {name} yet{onBackfill ? <> — <button type="button" onClick={onBackfill}>Backfill</button> to run a range of partitions</> : ''}.</Empty>
  return (
    <table className="table" data-testid="workflow-backfills">
      <thead>
        <tr>
          <th scope="col">Backfill</th>
          <th scope="col">Range</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Rerun · at once</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {items.map((b) => (
          <tr key={b.id} data-backfill={b.id} data-status={b.status}>
            <th scope="row">
              <Link to={`/ui/backfills?id=${encodeURIComponent(b.id)}`} title={b.id}>
                {b.id.slice(0, 13)}…
              </Link>
            </th>
            <td className="mono">
              {b.from} → {b.to} <span className="muted">({b.partitions})</span>
            </td>
            <td>
              <StatusBadge status={b.status} title={b.cancelReason ?? undefined} />
            </td>
            <td style={{ minWidth: 240 }}>
              <ProgressBar backfill={b} />
            </td>
            <td>
              {b.rerun} · {b.concurrency}
            </td>
            <td>
              <Time value={b.createdAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
