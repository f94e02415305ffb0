import { useMemo } from 'react'
import { Link, useParams } from 'react-router'
import { toApiError } from '../../api/client'
import { DagView, type DagTask } from '../../graph/dag-view'
import type { LiveState } from '../../live/live-events'
import { countsWords } from '../../ui/map-counts'
import { StatusLegend } from '../../ui/status'
import { ErrorState, Loading } from '../../ui/states'
import { RunContext } from './run-context'
import { RunHeader } from './run-header'
import { FINISHED_RUN_STATUSES, type RunDetails } from './run-patch'
import { useNow, useRunDetails, useRunLive, useRunWorkflow, workflowZone } from './run-query'
import { RunTimeline } from './run-timeline'
import { useRunUrl, type RunView } from './run-url'
import { TaskPanel } from './task-panel'
import { taskDuration } from './task-list'
import './run-page.css'

/**
 * `/ui/runs/:id`: one run — header, context, its DAG or timeline coloured by live task status,
 * and the task panel (logs, output, error, inputs, check, actions). All of it follows the event
 * stream; the view, task, attempt and tab live in the URL.
 */
export function RunPage() {
  const { id = '' } = useParams()
  const query = useRunDetails(id)
  const live = useRunLive(id, query.data?.tasks.length ?? 0)
  if (query.isPending) return <Loading what={`run ${id}`} />
  if (query.isError) {
    const e = toApiError(query.error)
    if (e.status === 404 || e.code === 'NOT_FOUND') return <RunNotFound id={id} />
    if (e.status === 400) return <RunNotFound id={id} why={`This is not a run id (${e.message}).`} />
    return <ErrorState error={query.error} what={`run ${id}`} retry={() => void query.refetch()} />
  }
  return <RunScreen run={query.data} live={live} />
}

function RunNotFound({ id, why }: { id: string; why?: string }) {
  return (
    <div className="state state-error" role="alert" data-testid="run-not-found">
      <strong>No run {id}.</strong>
      <p>{why ?? 'The run may not exist, or it was removed (the link may be wrong or old).'} Find its workflow on the Workflows page and pick the run from its history.</p>
      <Link to="/ui/workflows">Go to Workflows</Link>
    </div>
  )
}

/** The page around a loaded run. */
function RunScreen({ run, live }: { run: RunDetails; live: LiveState }) {
  const [url, setUrl] = useRunUrl()
  const workflow = useRunWorkflow(run.workflow)
  const zone = workflowZone(workflow.data)
  const finished = FINISHED_RUN_STATUSES.has(run.status)
  // Bars and durations grow while the run runs; a finished run's clock stops at its end.
  const ticking = useNow(!finished, run.tasks.length > 500 ? 2000 : 1000)
  const now = finished && run.finishedAt ? Date.parse(run.finishedAt) : ticking

  const rules = useMemo(() => new Map((workflow.data?.dag.nodes ?? []).map((n) => [n.id, n.trigger as string])), [workflow.data])
  const maxAttempts = useMemo(() => new Map((workflow.data?.dag.nodes ?? []).map((n) => [n.id, n.retry.attempts])), [workflow.data])
  const select = (taskId: string) => setUrl({ task: taskId })

  return (
    <div className="run-page" data-run={run.id} data-status={run.status}>
      <RunHeader run={run} zone={zone} live={live} now={now} />
      <RunContext run={run} zone={zone} />
      <ViewTabs view={url.view} onChange={(view) => setUrl({ view })} />
      <div className="split run-split">
        <section className="run-view" aria-label={url.view === 'graph' ? 'Task graph' : 'Timeline'}>
          {!run.tasks.length ? (
            <p className="state state-empty">This run has no tasks.</p>
          ) : url.view === 'graph' ? (
            <RunGraph run={run} rules={rules} selected={url.task} onSelect={select} />
          ) : (
            <RunTimeline run={run} now={now} selected={url.task} onSelect={select} maxAttemptsOf={maxAttempts} />
          )}
          {url.view === 'graph' ? <StatusLegend /> : null}
        </section>
        <TaskPanel run={run} url={url} setUrl={setUrl} zone={zone} triggerOf={(t) => rules.get(t)} maxAttemptsOf={(t) => maxAttempts.get(t)} now={now} />
      </div>
    </div>
  )
}

function ViewTabs({ view, onChange }: { view: RunView; onChange: (v: RunView) => void }) {
  const tabs: { id: RunView; words: string }[] = [
    { id: 'graph', words: 'Graph' },
    { id: 'timeline', words: 'Timeline' },
  ]
  return (
    <div className="tabs" role="tablist" aria-label="Run view">
      {tabs.map((t) => (
        <button key={t.id} type="button" role="tab" aria-selected={view === t.id} onClick={() => onChange(t.id)}>
          {t.words}
        </button>
      ))}
    </div>
  )
}

/** The DAG coloured by each task's live status; a task's note is its attempts and duration, a mapped task's its instances' counts. */
function RunGraph({ run, rules, selected, onSelect }: { run: RunDetails; rules: Map<string, string>; selected: string | null; onSelect: (id: string) => void }) {
  const tasks = useMemo<DagTask[]>(
    () =>
      run.tasks.map((t) => {
        // Only finished durations: a running one would re-render the whole graph every second.
        const duration = t.status === 'running' ? '' : taskDuration(t, Date.now())
        const note = t.map ? countsWords(t.map.counts) : [t.attempts > 1 ? `×${t.attempts}` : '', duration].filter(Boolean).join(' · ')
        const map = t.map ? { map: { total: t.map.total, counts: t.map.counts } } : {}
        return { id: t.id, kind: t.kind, queue: t.queue, trigger: rules.get(t.id) ?? 'all_success', upstream: t.upstream, status: t.status, ...map, ...(note ? { note } : {}) }
      }),
    [run.tasks, rules],
  )
  return <DagView tasks={tasks} selected={selected} onSelect={onSelect} height="max(420px, calc(100vh - 380px))" />
}
