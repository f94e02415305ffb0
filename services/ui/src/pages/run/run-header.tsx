import { Link } from 'react-router'
import { LiveIndicator, type LiveState } from '../../live/live-events'
import { StatusBadge } from '../../ui/status'
import { formatDuration, Time } from '../../ui/time'
import { RunActions } from './run-actions'
import { taskProgress, type RunDetails } from './run-patch'

/** How long the run has taken: start (or creation) to finish, or to now while it runs. */
function runDuration(run: RunDetails, now: number): string {
  const from = Date.parse(run.startedAt ?? run.createdAt)
  if (!run.startedAt && !run.finishedAt) return 'not started'
  const to = run.finishedAt ? Date.parse(run.finishedAt) : now
  return `${formatDuration(to - from)}${run.finishedAt ? '' : ' so far'}`
}

/**
 * The run at a glance: its workflow, id and status, the live indicator and its actions; then
 * partition, trigger, times (viewer's zone; the workflow's on hover), duration and progress.
 */
export function RunHeader({ run, zone, live, now }: { run: RunDetails; zone: string | null; live: LiveState; now: number }) {
  const { done, total } = taskProgress(run)
  return (
    <header className="run-header">
      <div className="page-header">
        <div className="run-title">
          <div className="crumbs">
            <Link to={`/ui/workflows/${encodeURIComponent(run.workflow)}`}>{run.workflow}</Link> <span className="muted">/ run</span>
          </div>
          <h1>
            <span className="sr-only">Run </span>
            <code className="run-id">{run.id}</code> <StatusBadge status={run.status} />
          </h1>
          {run.cancelReason ? <p className="muted">Cancelled: {run.cancelReason}</p> : null}
          <RunFamily run={run} />
        </div>
        <div className="actions">
          <LiveIndicator state={live} />
          <RunActions run={run} />
        </div>
      </div>
      <dl className="run-facts">
        <div>
          <dt>Partition</dt>
          <dd>{run.partition ?? <span className="muted">none</span>}</dd>
        </div>
        <div>
          <dt>Trigger</dt>
          <dd>{run.trigger}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time value={run.createdAt} zone={zone} />
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Time value={run.startedAt} zone={zone} />
          </dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>
            <Time value={run.finishedAt} zone={zone} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{runDuration(run, now)}</dd>
        </div>
        <div>
          <dt>Tasks done</dt>
          <dd>
            <progress max={total || 1} value={done} aria-label={`${done} of ${total} tasks done`} /> {done.toLocaleString()}/{total.toLocaleString()}
          </dd>
        </div>
      </dl>
    </header>
  )
}

/** Links to the parent run (a sub-workflow's) and to the child runs its tasks started. */
function RunFamily({ run }: { run: RunDetails }) {
  if (!run.parent && run.children.length === 0) return null
  return (
    <ul className="run-family" aria-label="Related runs">
      {run.parent ? (
        <li>
          Started by task <code>{run.parent.taskId}</code> of <Link to={`/ui/runs/${run.parent.runId}?task=${encodeURIComponent(run.parent.taskId)}`}>run {run.parent.runId.slice(0, 8)}</Link>
        </li>
      ) : null}
      {run.children.map((c) => (
        <li key={c.runId}>
          Task <code>{c.taskId}</code> (attempt {c.attempt}) runs <Link to={`/ui/runs/${c.runId}`}>{c.workflow} run {c.runId.slice(0, 8)}</Link> <StatusBadge status={c.status} />
        </li>
      ))}
    </ul>
  )
}

