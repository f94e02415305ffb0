import { Link } from 'react-router'
import { Time } from '../../ui/time'
import type { RunDetails } from './run-patch'

/** A trigger in words. */
const TRIGGER_WORDS: Record<string, string> = {
  manual: 'started by hand or through the API',
  cron: 'started by its schedule',
  readiness: 'started when its data landed',
  late_data: 'started again: data landed late',
  backfill: 'part of a backfill',
}

/**
 * Why and from what the run exists: its trigger and schedule slot, the backfill it belongs to,
 * its params, the data landings and upstream runs that started it, the workflow version it ran
 * and its trace.
 */
export function RunContext({ run, zone }: { run: RunDetails; zone: string | null }) {
  const c = run.context
  const params = Object.keys(run.params ?? {}).length ? run.params : null
  const short = c.versionHash.slice(0, 12)
  return (
    <details className="panel run-context" open>
      <summary>
        <h2>Context</h2>
      </summary>
      <dl className="kv run-context-kv">
        <dt>Trigger</dt>
        <dd>
          {c.trigger} {TRIGGER_WORDS[c.trigger] ? <span className="muted">({TRIGGER_WORDS[c.trigger]})</span> : null}
        </dd>
        {c.scheduledFor ? (
          <>
            <dt>Scheduled for</dt>
            <dd>
              <Time value={c.scheduledFor} zone={zone} />
            </dd>
          </>
        ) : null}
        {c.backfillId ? (
          <>
            <dt>Backfill</dt>
            <dd>
              <Link to={`/ui/backfills?id=${encodeURIComponent(c.backfillId)}`}>{c.backfillId}</Link>
            </dd>
          </>
        ) : null}
        <dt>Params</dt>
        <dd>{params ? <code className="params">{JSON.stringify(params)}</code> : <span className="muted">none</span>}</dd>
        <dt>Version</dt>
        <dd>
          <Link to={`/ui/workflows/${encodeURIComponent(run.workflow)}?tab=versions&a=${encodeURIComponent(c.versionHash)}`} title={c.versionHash}>
            <code>{short}</code>
          </Link>
        </dd>
        <dt>Trace</dt>
        <dd>
          {run.trace.traceUrl ? (
            <a href={run.trace.traceUrl} target="_blank" rel="noreferrer noopener">
              <code>{run.trace.traceId}</code> <span aria-hidden="true">↗</span>
              <span className="sr-only">(opens in a new tab)</span>
            </a>
          ) : (
            <>
              <code>{run.trace.traceId}</code> <span className="muted">(no trace viewer configured: BATON_TRACE_URL)</span>
            </>
          )}
        </dd>
        {c.upstreamRuns.length ? (
          <>
            <dt>Upstream runs</dt>
            <dd>
              <ul className="plain-list">
                {c.upstreamRuns.map((u) => (
                  <li key={u.runId}>
                    <Link to={`/ui/runs/${encodeURIComponent(u.runId)}`}>
                      {u.workflow} <code>{u.runId.slice(0, 13)}…</code>
                    </Link>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
      {c.landings.length ? <Landings landings={c.landings} zone={zone} /> : null}
    </details>
  )
}

function Landings({ landings, zone }: { landings: RunDetails['context']['landings']; zone: string | null }) {
  return (
    <>
      <h3>Data landings that started it</h3>
      <table className="table landings">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Partition</th>
            <th scope="col">URI</th>
            <th scope="col">Landed</th>
            <th scope="col">Produced by</th>
          </tr>
        </thead>
        <tbody>
          {landings.map((l) => (
            <tr key={l.eventId}>
              <td>{l.source}</td>
              <td>{l.partition ?? '—'}</td>
              <td className="mono uri">{l.uri ?? '—'}</td>
              <td>
                <Time value={l.landedAt} zone={zone} />
              </td>
              <td>
                {l.producedBy ? (
                  <Link to={`/ui/runs/${encodeURIComponent(l.producedBy.runId)}`}>
                    {l.producedBy.workflow} run
                  </Link>
                ) : (
                  <span className="muted">outside Baton</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
