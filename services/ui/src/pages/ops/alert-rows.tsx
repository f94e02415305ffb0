import { Link } from 'react-router'
import { Time } from '../../ui/time'
import { alertStatusLook, DELIVERY_STATUS, deliveryTally, shortRunId, type Alert } from './alert-filters'
import { JsonDetails, LookBadge } from './ops-bits'

/** Who was told, on which channel, and how that went. */
function DeliveriesTable({ alert }: { alert: Alert }) {
  if (!alert.deliveries.length)
    return (
      <p className="muted">
        Not sent to any channel: no alert channel matches {alert.owner ? <>owner <strong>{alert.owner}</strong></> : 'this alert'} (see the
        coordinator&apos;s alert routing). It is still listed here and by <code>baton alerts</code>.
      </p>
    )
  return (
    <table className="table ops-subtable">
      <caption className="sr-only">Deliveries of alert {alert.id}</caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col">For</th>
          <th scope="col">Message</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Sent at</th>
          <th scope="col">Next attempt</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {alert.deliveries.map((d) => (
          <tr key={`${d.channel}/${d.action}`}>
            <td>
              <code>{d.channel}</code>
            </td>
            <td>{alert.owner ?? <span className="muted">—</span>}</td>
            <td>{d.action === 'resolve' ? 'all-clear' : 'alert'}</td>
            <td>
              <LookBadge look={DELIVERY_STATUS[d.status]} />
            </td>
            <td>{d.attempts}</td>
            <td>
              <Time value={d.deliveredAt} />
            </td>
            <td>
              <Time value={d.nextAttemptAt} />
            </td>
            <td className="ops-error">{d.lastError ?? <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/**
 * One alert as a table row, and (when unfolded) a second row with its deliveries per channel and
 * its details (failed check sample, last log lines…).
 */
export function AlertRows({ alert, open, onToggle }: { alert: Alert; open: boolean; onToggle: () => void }) {
  const detailsId = `alert-${alert.id}-details`
  return (
    <>
      <tr className={open ? 'ops-open' : undefined}>
        <td>
          <LookBadge look={alertStatusLook(alert.status)} />
        </td>
        <td>
          <code>{alert.kind}</code>
        </td>
        <td className="ops-clip">
          {alert.workflow ? <Link to={`/ui/workflows/${encodeURIComponent(alert.workflow)}`}>{alert.workflow}</Link> : <span className="muted">—</span>}
          {alert.partition ? <div className="ops-sub muted">{alert.partition}</div> : null}
        </td>
        <td className="ops-summary">{alert.summary}</td>
        <td className="ops-nowrap">
          {alert.runId ? (
            <Link to={`/ui/runs/${alert.runId}`} className="mono" title={`Run ${alert.runId}`} aria-label={`Run ${alert.runId}`}>
              {shortRunId(alert.runId)}
            </Link>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td>
          <Time value={alert.createdAt} />
          <div className="ops-sub">
            last <Time value={alert.lastAt} />
          </div>
        </td>
        <td className="ops-num" title="Times its cause repeated into this alert">
          {alert.count}
        </td>
        <td>
          <Time value={alert.resolvedAt} />
        </td>
        <td>
          <button type="button" className="ops-toggle" aria-expanded={open} aria-controls={detailsId} onClick={onToggle}>
            {open ? '▾' : '▸'} {deliveryTally(alert.deliveries)}
          </button>
        </td>
      </tr>
      {open ? (
        <tr id={detailsId} className="ops-detail-row">
          <td colSpan={9}>
            <h3>Deliveries{alert.owner ? ` to owner ${alert.owner}` : ''}</h3>
            <DeliveriesTable alert={alert} />
            {Object.keys(alert.details).length ? <JsonDetails value={alert.details} label="Details (JSON)" open /> : null}
          </td>
        </tr>
      ) : null}
    </>
  )
}
