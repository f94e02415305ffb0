import { Link } from 'react-router'
import { $api, toApiError } from '../../api/client'
import { StatusBadge, StatusMark } from '../../ui/status'
import { ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'
import { BackfillActions } from './backfill-actions'
import { ProgressBar } from '../../ui/backfill-progress-bar'
import { inRange, nextOverlappingStart, type Backfill } from '../../ui/backfill-progress'

/**
 * The runs a backfill started. GET /runs cannot filter by backfill id, so this lists the
 * workflow's backfill-triggered runs in its range created after it and before the next backfill
 * over an overlapping range (two overlapping backfills running at once would still mix; the
 * caption says how the list is made).
 */
function BackfillRuns({ backfill }: { backfill: Backfill }) {
  const siblings = $api.useQuery('get', '/backfills', { params: { query: { workflow: backfill.workflow, limit: 500 } } })
  const until = siblings.data ? nextOverlappingStart(backfill, siblings.data.items) : undefined
  const runs = $api.useQuery(
    'get',
    '/runs',
    { params: { query: { workflow: backfill.workflow, trigger: 'backfill', since: backfill.createdAt, ...(until ? { until } : {}), limit: 500 } } },
    { enabled: !!siblings.data },
  )
  if (siblings.isError) return <ErrorState error={siblings.error} what="its runs" retry={() => void siblings.refetch()} />
  if (runs.isPending) return <Loading what="its runs" />
  if (runs.isError) return <ErrorState error={runs.error} what="its runs" retry={() => void runs.refetch()} />
  const items = runs.data.items.filter((r) => inRange(r.partition, backfill)).sort((a, b) => (a.partition ?? '').localeCompare(b.partition ?? ''))
  if (!items.length) return <p className="muted">No run started yet.</p>
  return (
    <>
      <p className="muted bf-caption">
        Backfill runs of {backfill.workflow} in this range, created after it{until ? ' and before the next backfill over this range' : ''}, by partition:
      </p>
      <ul className="bf-runs">
        {items.map((r) => (
          <li key={r.id}>
            <Link to={`/ui/runs/${r.id}`} title={r.error ? `${r.error.taskId}: ${r.error.message}` : undefined}>
              <StatusMark status={r.status} title={`${r.partition}: ${r.status}`} /> {r.partition}
            </Link>
          </li>
        ))}
      </ul>
    </>
  )
}

/** The selected backfill (GET /backfills/{id}): range, progress, actions and runs. */
export function BackfillDetails({ id, onSelect, onClose }: { id: string; onSelect: (id: string) => void; onClose: () => void }) {
  const q = $api.useQuery(
    'get',
    '/backfills/{id}',
    { params: { path: { id } } },
    // A rerun answered 202 names a backfill no coordinator has created yet: look again until it exists.
    { retry: false, refetchInterval: (query) => (query.state.error && toApiError(query.state.error).code === 'NOT_FOUND' ? 2000 : false) },
  )
  const close = (
    <button type="button" className="bf-close" onClick={onClose}>
      Close details
    </button>
  )
  if (q.isPending) return <Loading what="the backfill" />
  if (q.isError)
    return toApiError(q.error).code === 'NOT_FOUND' ? (
      <div className="panel">
        {close}
        <p role="status">
          Backfill <code>{id}</code> does not exist (yet): a new one appears once a coordinator has created it. Looking again every 2 s…
        </p>
      </div>
    ) : (
      <ErrorState error={q.error} what={`backfill ${id}`} retry={() => void q.refetch()} />
    )
  const b = q.data
  return (
    <section className="panel" aria-labelledby="bf-title">
      {close}
      <h2 id="bf-title">
        Backfill of <Link to={`/ui/workflows/${encodeURIComponent(b.workflow)}`}>{b.workflow}</Link> <StatusBadge status={b.status} />
      </h2>
      <dl className="kv">
        <dt>Range</dt>
        <dd>
          {b.from} → {b.to} ({b.partitions} partition{b.partitions === 1 ? '' : 's'})
        </dd>
        <dt>Reruns</dt>
        <dd>{b.rerun === 'missing' ? 'missing partitions only' : b.rerun === 'failed' ? 'missing, failed and cancelled partitions' : 'every partition'}</dd>
        <dt>Concurrency</dt>
        <dd>{b.concurrency} runs at once</dd>
        <dt>Created</dt>
        <dd>
          <Time value={b.createdAt} />
        </dd>
        {b.cancelReason ? (
          <>
            <dt>Cancelled because</dt>
            <dd>{b.cancelReason}</dd>
          </>
        ) : null}
        <dt>Id</dt>
        <dd className="mono">{b.id}</dd>
      </dl>
      <ProgressBar backfill={b} />
      <BackfillActions backfill={b} onRerun={onSelect} />
      <h3>Runs</h3>
      <BackfillRuns backfill={b} />
    </section>
  )
}
