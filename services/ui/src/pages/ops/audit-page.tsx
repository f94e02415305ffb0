import { $api } from '../../api/client'
import { useCan } from '../../auth/auth-context'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'
import { AUDIT_ACTIONS, AUDIT_RESULT, auditQuery, isoToLocalInput, localInputToIso, readAuditFilter } from './audit-query'
import { JsonDetails, LookBadge, PausedTextFilter } from './ops-bits'
import { useUrlParams } from './url-state'
import './ops.css'

/** The audit log for admins; anyone else reaching the URL is told why there is nothing here. */
export function AuditPage() {
  const can = useCan()
  if (!can('audit'))
    return (
      <div className="ops-page">
        <h1>Audit log</h1>
        <Empty>
          <strong>Admins only.</strong> The audit log (who did what through the API, denied attempts, token changes) needs the audit permission, which
          only the admin role has. Ask an admin if you need an entry from it.
        </Empty>
      </div>
    )
  return <AuditLog />
}

/**
 * Every action through the API, every denied or unauthenticated attempt, token changes and admin
 * reads, newest first, a page at a time (the cursor `before` is in the URL, so the back button
 * returns to the newer page). Filters: actor, action, result, since, until.
 */
function AuditLog() {
  const [params, setParams] = useUrlParams()
  const f = readAuditFilter(params)
  const list = $api.useQuery('get', '/audit', { params: { query: auditQuery(f) } })
  // Any filter change starts again at the newest lines.
  const setFilter = (changes: Record<string, string>) => setParams({ ...changes, before: '' })
  const filtered = f.actor || f.action || f.result || f.since || f.until

  return (
    <div className="ops-page">
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <span className="muted">Who did what through the API, newest first. Reading this page is itself recorded (audit.read).</span>
        </div>
      </div>
      <div className="toolbar" role="search" aria-label="Filter the audit log">
        <PausedTextFilter label="Actor" value={f.actor} onCommit={(v) => setFilter({ actor: v })} placeholder="token:NAME, oidc:SUBJECT…" />
        <PausedTextFilter label="Action" value={f.action} onCommit={(v) => setFilter({ action: v })} placeholder="e.g. run.retry" list="audit-actions" />
        <datalist id="audit-actions">
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label>
          Result{' '}
          <select value={f.result} onChange={(e) => setFilter({ result: e.target.value })}>
            <option value="">any result</option>
            {Object.entries(AUDIT_RESULT).map(([key, look]) => (
              <option key={key} value={key}>
                {look.icon} {look.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since <input type="datetime-local" value={isoToLocalInput(f.since)} onChange={(e) => setFilter({ since: localInputToIso(e.target.value) })} />
        </label>
        <label>
          Until <input type="datetime-local" value={isoToLocalInput(f.until)} onChange={(e) => setFilter({ until: localInputToIso(e.target.value) })} />
        </label>
        {filtered ? (
          <button type="button" onClick={() => setFilter({ actor: '', action: '', result: '', since: '', until: '' })}>
            Clear filters
          </button>
        ) : null}
      </div>
      {list.isPending ? (
        <Loading what="the audit log" />
      ) : list.isError ? (
        <ErrorState error={list.error} what="the audit log" retry={() => void list.refetch()} />
      ) : !list.data.items.length ? (
        <Empty>{filtered || f.before ? 'No audit line matches these filters on this page.' : 'The audit log is empty: nothing has been done through the API yet.'}</Empty>
      ) : (
        <div className="ops-scroll">
          <table className="table ops-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Role</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Result</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">Client</th>
                <th scope="col">Params</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((line) => (
                <tr key={line.id}>
                  <td>
                    <Time value={line.at} />
                  </td>
                  <td className="mono ops-clip" title={line.actor}>
                    {line.actor}
                  </td>
                  <td>{line.role ?? <span className="muted">—</span>}</td>
                  <td className="mono">{line.action}</td>
                  <td className="mono ops-clip" title={line.resource ?? undefined}>
                    {line.resource ?? <span className="muted">—</span>}
                  </td>
                  <td>
                    <LookBadge look={AUDIT_RESULT[line.result]} />
                  </td>
                  <td className="ops-num">{line.status ?? <span className="muted">—</span>}</td>
                  <td className="ops-summary">{line.reason ?? <span className="muted">—</span>}</td>
                  <td className="mono">{line.clientAddress ?? <span className="muted">—</span>}</td>
                  <td>{line.params === null || line.params === undefined ? <span className="muted">—</span> : <JsonDetails value={line.params} label="Show" />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="ops-more">
        {f.before ? (
          <button type="button" onClick={() => setParams({ before: '' }, { push: true })}>
            Newest entries
          </button>
        ) : null}
        {list.data?.nextCursor ? (
          <button type="button" onClick={() => setParams({ before: list.data.nextCursor ?? '' }, { push: true })}>
            Older entries
          </button>
        ) : list.data?.items.length ? (
          <span className="muted">End of the log.</span>
        ) : null}
      </div>
    </div>
  )
}
