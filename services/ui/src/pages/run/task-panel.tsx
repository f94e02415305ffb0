import { toApiError } from '../../api/client'
import { parseInstanceId } from '../../ui/map-counts'
import { StatusBadge, StatusMark, statusLabel } from '../../ui/status'
import { Empty } from '../../ui/states'
import { formatDuration, formatTime, Time } from '../../ui/time'
import { isRetry } from './gantt-bars'
import { latestAttempt, type RunDetails, type RunTask, type TaskAttempt } from './run-patch'
import type { RunUrlState, TaskTab } from './run-url'
import { TaskActions } from './task-actions'
import { useInstanceView, type TaskView } from './instance-query'
import { MapInstanceList } from './map-instance-list'
import { CheckView, ErrorView, InputsView, JsonBlock, OutputView } from './task-details'
import { TaskList } from './task-list'
import { TaskLogs } from './task-logs'

/** What the task panel is told by the page. */
export interface TaskPanelProps {
  run: RunDetails
  url: RunUrlState
  setUrl: (change: Partial<RunUrlState>) => void
  zone: string | null
  /** The trigger rule of a task (from the workflow), when known. */
  triggerOf: (taskId: string) => string | undefined
  /** The attempts a task's retry policy allows (from the workflow), when known. */
  maxAttemptsOf: (taskId: string) => number | undefined
  now: number
}

const TAB_WORDS: Record<TaskTab, string> = { logs: 'Logs', output: 'Output', error: 'Error', inputs: 'Inputs', check: 'Check' }

/**
 * Beside the graph or timeline: the selected task (?task=) — its facts, actions, attempts (pick
 * one: ?attempt=) and tabs (?tab=) for logs, output, error, inputs and check verdict; or, with
 * no task picked, the list of every task. A mapped task lists its instances; an instance
 * (`?task=load[3]`, read on its own: the run leaves instances out) shows as any task does.
 */
export function TaskPanel(props: TaskPanelProps) {
  const { run, url, setUrl } = props
  const instanceOf = parseInstanceId(url.task)
  const view = useInstanceView(run.id, instanceOf ? url.task : null)
  const task: (RunTask & { instance?: TaskView['instance'] }) | undefined = url.task ? (run.tasks.find((t) => t.id === url.task) ?? (instanceOf ? view.data : undefined)) : undefined
  if (!task && instanceOf && view.isPending) {
    return (
      <aside className="panel task-panel" aria-label={`Task ${url.task}`}>
        <p className="muted">Reading instance {url.task}…</p>
      </aside>
    )
  }
  if (!task && instanceOf && view.isError && toApiError(view.error).status !== 404) {
    return (
      <aside className="panel task-panel" aria-label={`Task ${url.task}`}>
        <Empty>Could not read instance {url.task}: {toApiError(view.error).message}</Empty>
      </aside>
    )
  }
  if (!task) {
    return (
      <aside className="panel task-panel" aria-label="Tasks">
        <h2>Tasks</h2>
        {url.task ? (
          <Empty>
            This run has no task <code>{url.task}</code>. Pick one below.
          </Empty>
        ) : (
          <p className="muted">Pick a task in the graph, on the timeline or here to see its logs, output, error and check.</p>
        )}
        <TaskList tasks={run.tasks} now={props.now} onSelect={(id) => setUrl({ task: id })} />
      </aside>
    )
  }
  const attempt = url.attempt !== null ? task.attemptDetails.find((a) => a.attempt === url.attempt) : latestAttempt(task)
  return (
    <aside className="panel task-panel" aria-label={`Task ${task.id}`} data-task={task.id}>
      <div className="task-panel-head">
        <h2>
          <code>{task.id}</code> <StatusBadge status={task.status} />
          {task.instance ? (
            <>
              {' '}
              <button type="button" className="linkish" onClick={() => setUrl({ task: task.instance!.of })}>
                instance {task.instance.index} of {task.instance.of}
              </button>
            </>
          ) : null}
        </h2>
        <button type="button" aria-label="Close the task and show every task" onClick={() => setUrl({ task: null })}>
          ✕
        </button>
      </div>
      <TaskFacts task={task} trigger={props.triggerOf(task.instance?.of ?? task.id)} zone={props.zone} />
      {task.instance ? (
        <div className="instance-element-block">
          <h3>Element</h3>
          <JsonBlock value={task.instance.element} label={`Element of ${task.id}`} />
        </div>
      ) : (
        <TaskActions key={task.id} run={run} task={task} zone={props.zone} />
      )}
      {task.map ? (
        <MapInstanceList runId={run.id} task={{ ...task, map: task.map }} status={url.instances} onStatus={(s) => setUrl({ instances: s })} onSelect={(id) => setUrl({ task: id })} />
      ) : (
        <AttemptList task={task} current={attempt} maxAttempts={props.maxAttemptsOf(task.instance?.of ?? task.id)} onPick={(n) => setUrl({ attempt: n })} />
      )}
      {url.attempt !== null && !attempt ? <Empty>{task.id} has no attempt {url.attempt}. Showing none; pick one above.</Empty> : null}
      <TaskTabs {...props} task={task} attempt={attempt} />
    </aside>
  )
}

function TaskFacts({ task, trigger, zone }: { task: RunTask; trigger: string | undefined; zone: string | null }) {
  return (
    <dl className="kv task-facts">
      {task.waitingFor ? (
        <>
          <dt>Waiting for</dt>
          <dd data-testid="waiting-for">{task.waitingFor}</dd>
        </>
      ) : null}
      <dt>Kind</dt>
      <dd>{task.kind}</dd>
      <dt>Queue</dt>
      <dd>{task.queue}</dd>
      <dt>Trigger rule</dt>
      <dd>{trigger ?? <span className="muted">unknown (not in the workflow’s current version)</span>}</dd>
      <dt>Upstream</dt>
      <dd>{task.upstream.length ? task.upstream.join(', ') : <span className="muted">none (a root task)</span>}</dd>
      {task.deadline ? (
        <>
          <dt>Decision deadline</dt>
          <dd>
            <Time value={task.deadline} zone={zone} />
          </dd>
        </>
      ) : null}
    </dl>
  )
}

/** The task's attempts: status, worker, queue wait, duration, backoff; picking one shows its details. */
function AttemptList({ task, current, maxAttempts, onPick }: { task: RunTask; current: TaskAttempt | undefined; maxAttempts: number | undefined; onPick: (n: number) => void }) {
  if (!task.attemptDetails.length) return <p className="muted">No attempts yet ({statusLabel(task.status)}).</p>
  const sorted = [...task.attemptDetails].sort((a, b) => a.attempt - b.attempt)
  return (
    <table className="table attempts" aria-label="Attempts">
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">Worker</th>
          <th scope="col" title="Queued → started: time waiting for a worker">Queue wait</th>
          <th scope="col">Duration</th>
          <th scope="col" title="Retry backoff before this attempt">Backoff</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((a, i) => {
          const retry = isRetry(sorted[i - 1], a.attempt, maxAttempts)
          const picked = a.attempt === current?.attempt
          return (
            <tr key={a.attempt} className={picked ? 'picked' : undefined}>
              <td>
                <button type="button" className="attempt-pick" aria-pressed={picked} onClick={() => onPick(a.attempt)} title={`Show attempt ${a.attempt}${a.startedAt ? ` (started ${formatTime(a.startedAt)})` : ''}`}>
                  <StatusMark status={a.status} /> #{a.attempt} {statusLabel(a.status)}
                </button>
              </td>
              <td className="mono" title={a.workerId ?? undefined}>{a.workerId ?? '—'}</td>
              <td>{formatDuration(a.queueWaitMs)}</td>
              <td>{a.durationMs === null && a.startedAt && !a.finishedAt ? 'running' : formatDuration(a.durationMs)}</td>
              <td title={i > 0 && !retry ? 'Not a retry: it ran again after a clear or a retry from failure' : undefined}>{i === 0 ? '—' : retry ? formatDuration(a.backoffMs) : 're-run'}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function TaskTabs(props: TaskPanelProps & { task: RunTask; attempt: TaskAttempt | undefined }) {
  const { task, attempt, url, setUrl, run } = props
  const tabs: TaskTab[] = ['logs', 'output', 'error', 'inputs', ...(task.kind === 'check' || task.check || url.tab === 'check' ? (['check'] as const) : [])]
  const hasError = (attempt ? attempt.error : task.error) != null
  const checkFailed = (attempt ? attempt.check : task.check)?.passed === false
  return (
    <>
      <div className="tabs" role="tablist" aria-label="Task details">
        {tabs.map((t) => (
          <button key={t} type="button" role="tab" id={`task-tab-${t}`} aria-selected={url.tab === t} aria-controls="task-tabpanel" onClick={() => setUrl({ tab: t })}>
            {TAB_WORDS[t]}
            {(t === 'error' && hasError) || (t === 'check' && checkFailed) ? (
              <span className="tab-flag" aria-label="(has a failure)">
                {' '}
                ●
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <div className="task-tabpanel" role="tabpanel" id="task-tabpanel" aria-labelledby={`task-tab-${url.tab}`}>
        {url.tab === 'logs' ? (
          task.kind === 'approval' ? (
            <Empty>An approval task waits for a decision without a worker, so it writes no logs; the decision is recorded in the run history.</Empty>
          ) : attempt ? (
            <TaskLogs key={`${task.id}:${attempt.attempt}`} runId={run.id} taskId={task.id} attempt={attempt.attempt} running={attempt.status === 'running' || (task.status === 'running' && attempt.attempt === task.attempts)} waiting={attempt.status === 'queued' || attempt.status === 'pending'} />
          ) : (
            <Empty>No attempt yet, so no logs: they appear when a worker starts the task.</Empty>
          )
        ) : url.tab === 'output' ? (
          <OutputView task={task} attempt={attempt} />
        ) : url.tab === 'error' ? (
          <ErrorView task={task} attempt={attempt} />
        ) : url.tab === 'inputs' ? (
          <InputsView task={task} onSelectTask={(id) => setUrl({ task: id })} />
        ) : (
          <CheckView task={task} attempt={attempt} />
        )}
      </div>
    </>
  )
}
