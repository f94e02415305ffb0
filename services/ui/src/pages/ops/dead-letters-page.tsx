import { useMemo } from 'react'
import { $api, toApiError } from '../../api/client'
import { Empty, ErrorState, Loading } from '../../ui/states'
import { Time } from '../../ui/time'
import { filterDeadLetters, payloadLine, payloadPretty, SINCE_WINDOWS, sinceOf, type DeadLetter } from './dead-letter-view'
import { useUrlParams } from './url-state'
import './ops.css'

/** One refused message, unfolded: its id, message id and whole payload (as JSON when it is). */
function DeadLetterPayload({ item }: { item: DeadLetter }) {
  const pretty = useMemo(() => payloadPretty(item.payload), [item.payload])
  return (
    <>
      <dl className="kv">
        <dt>Message id</dt>
        <dd className="mono">{item.msgId ?? '—'}</dd>
        <dt>Payload</dt>
        <dd>
          {pretty.json ? 'JSON' : 'not JSON, shown as received'} ({item.payload.length.toLocaleString()} characters)
        </dd>
      </dl>
      <pre>{pretty.text}</pre>
    </>
  )
}

/**
 * Messages the coordinator could not apply (malformed, invalid, unknown workflow…), newest
 * first: subject, reason, how often, first and last seen, and the message itself on demand.
 * Filters (since, subject, reason) and the unfolded message live in the URL.
 */
export function DeadLettersPage() {
  const [params, setParams] = useUrlParams()
  const sinceWindow = params.get('since') ?? ''
  const subject = params.get('subject') ?? ''
  const reason = params.get('reason') ?? ''
  const open = params.get('open') ?? ''
  // The window's start is fixed when the window is chosen, so the query key does not change every render.
  const since = useMemo(() => sinceOf(sinceWindow, Date.now()), [sinceWindow])
  const list = $api.useQuery('get', '/dead-letters', { params: { query: { limit: 500, ...(since ? { since } : {}) } } })
  const items = useMemo(() => filterDeadLetters(list.data?.items ?? [], { subject, reason }), [list.data, subject, reason])
  const filtered = sinceWindow || subject || reason

  return (
    <div className="ops-page">
      <div className="page-header">
        <div>
          <h1>Dead letters</h1>
          <span className="muted">Messages the coordinator refused; each is kept with its reason. Nothing here is retried on its own.</span>
        </div>
        <div className="actions">
          <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
            Refresh
          </button>
        </div>
      </div>
      <div className="toolbar" role="search" aria-label="Filter dead letters">
        <label>
          Subject <input type="search" value={subject} placeholder="e.g. landings" onChange={(e) => setParams({ subject: e.target.value })} />
        </label>
        <label>
          Reason <input type="search" value={reason} placeholder="e.g. unknown workflow" onChange={(e) => setParams({ reason: e.target.value })} />
        </label>
        <label>
          Since{' '}
          <select value={sinceWindow} onChange={(e) => setParams({ since: e.target.value })}>
            <option value="">any time</option>
            {Object.entries(SINCE_WINDOWS).map(([key, w]) => (
              <option key={key} value={key}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {list.isPending ? (
        <Loading what="dead letters" />
      ) : list.isError ? (
        toApiError(list.error).code === 'FORBIDDEN' ? (
          <Empty>Dead letters belong to no workflow, so only a grant on all workflows (no workflow or owner scope) can read them. Ask an admin for one.</Empty>
        ) : (
          <ErrorState error={list.error} what="dead letters" retry={() => void list.refetch()} />
        )
      ) : !items.length ? (
        <Empty>
          {filtered
            ? 'No dead letter matches these filters.'
            : 'No dead letters: every message the coordinator received so far was applied. Refused messages (malformed, unknown workflow or run…) appear here with the reason.'}{' '}
          {filtered ? (
            <button type="button" onClick={() => setParams({ since: '', subject: '', reason: '' })}>
              Clear filters
            </button>
          ) : null}
        </Empty>
      ) : (
        <div className="ops-scroll">
          <table className="table ops-table">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Reason</th>
                <th scope="col">Count</th>
                <th scope="col">First / last at</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => {
                const isOpen = open === d.id
                return (
                  <DeadLetterRows key={d.id} item={d} open={isOpen} onToggle={() => setParams({ open: isOpen ? '' : d.id })} />
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}

/** A dead letter's row, and its payload below it when unfolded. */
function DeadLetterRows({ item, open, onToggle }: { item: DeadLetter; open: boolean; onToggle: () => void }) {
  const detailsId = `dead-letter-${item.id}`
  return (
    <>
      <tr className={open ? 'ops-open' : undefined}>
        <td className="mono dl-subject">
          {item.subject}
        </td>
        <td className="ops-summary">{item.reason}</td>
        <td className="ops-num">{item.count}</td>
        <td>
          <Time value={item.receivedAt} />
          {item.count > 1 ? (
            <div className="ops-sub">
              last <Time value={item.lastAt} />
            </div>
          ) : null}
        </td>
        <td>
          <button type="button" className="ops-toggle dl-preview" aria-expanded={open} aria-controls={detailsId} onClick={onToggle} title={open ? 'Hide the message' : 'Show the whole message'}>
            {open ? '▾' : '▸'} <code>{payloadLine(item.payload, 70) || '(empty)'}</code>
          </button>
        </td>
      </tr>
      {open ? (
        <tr id={detailsId} className="ops-detail-row">
          <td colSpan={5}>
            <DeadLetterPayload item={item} />
          </td>
        </tr>
      ) : null}
    </>
  )
}
