import { Link } from 'react-router'
import { StatusMark } from '../../ui/status'
import { LookBadge } from '../ops/ops-bits'
import { formatTime, Time } from '../../ui/time'
import { FRESHNESS, freshnessHint, runMarkTitle, WORKFLOW_STATE, workflowState, type WorkflowSummary } from './workflow-filters'

/** Active, paused or archived. */
export function StateCell({ w }: { w: WorkflowSummary }) {
  const state = workflowState(w)
  const title = state === 'archived' ? `${WORKFLOW_STATE.archived.hint} (since ${formatTime(w.archivedAt)})` : undefined
  return <LookBadge look={WORKFLOW_STATE[state]} {...(title ? { title } : {})} />
}

/** The cron and the next tick in the viewer's zone (the workflow's zone on hover). */
export function ScheduleCell({ w }: { w: WorkflowSummary }) {
  const s = w.schedule
  if (!s) return <span className="muted">no schedule</span>
  return (
    <>
      <code title={`cron in ${s.timezone}${s.nextFireLocal ? `; next tick ${s.nextFireLocal}` : ''}`}>{s.cron}</code>
      <div className="wf-sub">
        <span className={w.paused ? 'muted' : undefined} title={w.paused ? 'Paused: this tick is recorded but starts no run until unpaused' : undefined}>
          next
        </span>{' '}
        <Time value={s.nextFireAt} zone={s.timezone} />
      </div>
    </>
  )
}

/** The sources a data-gated workflow waits for, and the time they are expected by. */
export function GateCell({ w }: { w: WorkflowSummary }) {
  const g = w.gate
  if (!g) return <span className="muted">—</span>
  const sources = g.sourcesLanded.join(' + ') || 'its sources'
  return (
    <div title={`Runs once ${sources} landed for a partition (per ${g.partition})${g.expectBy ? `; expected by ${g.expectBy}` : ''}`}>
      <div className="wf-clip">
        <span aria-hidden="true">⇣ </span>
        {sources}
      </div>
      <div className="wf-sub muted">{g.expectBy ? `expected by ${g.expectBy}` : `per ${g.partition}`}</div>
    </div>
  )
}

/**
 * One formatter for every run mark's title (viewer's zone): building an Intl.DateTimeFormat costs
 * about a millisecond, and a screen of rows shows well over a hundred marks.
 */
const markTime = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })

/** The latest runs, oldest to newest (newest at the right), each a link to its run. */
export function RecentRunsCell({ w }: { w: WorkflowSummary }) {
  if (!w.recentRuns.length) return <span className="muted">no runs yet</span>
  return (
    <span className="wf-runs">
      {[...w.recentRuns].reverse().map((r) => {
        const title = runMarkTitle(r, markTime.format(new Date(r.createdAt)))
        return (
          <Link key={r.id} to={`/ui/runs/${r.id}`} className="wf-run" aria-label={`Run ${title}`}>
            <StatusMark status={r.status} title={title} />
          </Link>
        )
      })}
    </span>
  )
}

/** Freshness as a word and an icon; what is missing on hover (and read out). */
export function FreshnessCell({ w }: { w: WorkflowSummary }) {
  const f = w.freshness
  if (!f) return <span className="muted">—</span>
  const hint = freshnessHint(f)
  return (
    <span className="wf-fresh">
      <LookBadge look={FRESHNESS[f.state]} title={hint} />
      {f.missing.length ? <span className="sr-only">{f.missing.join('; ')}</span> : null}
    </span>
  )
}

/** Open alerts: the count, linking to them. */
export function AlertsCell({ w }: { w: WorkflowSummary }) {
  if (!w.openAlerts) return <span className="muted">none</span>
  return (
    <Link to={`/ui/alerts?workflow=${encodeURIComponent(w.name)}&status=firing`} className="wf-alerts" title={`${w.openAlerts} open alert(s) about ${w.name}`}>
      <span aria-hidden="true">⚠</span> {w.openAlerts} open
    </Link>
  )
}
