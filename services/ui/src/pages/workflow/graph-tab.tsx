import { useMemo } from 'react'
import { useSearchParams } from 'react-router'
import type { Schemas } from '../../api/client'
import { DagView, type DagTask } from '../../graph/dag-view'
import { Empty } from '../../ui/states'
import { formatDuration } from '../../ui/time'

type DagNode = Schemas['WorkflowDetails']['dag']['nodes'][number]

const TRIGGER_WORDS: Record<string, string> = {
  all_success: 'runs when every upstream task succeeded',
  all_done: 'runs when every upstream task finished, whatever its outcome',
  all_failed: 'runs when every upstream task failed',
  one_success: 'runs as soon as one upstream task succeeded',
  one_failed: 'runs as soon as one upstream task failed',
  none_failed: 'runs when no upstream task failed (skipped ones are fine)',
  none_skipped: 'runs when no upstream task was skipped',
  none_failed_min_one_success: 'runs when no upstream task failed and at least one succeeded',
  always: 'always runs once its upstream tasks finished',
}

function retryWords(r: DagNode['retry']): string {
  if (r.attempts <= 1) return 'no retry (1 attempt)'
  return `${r.attempts} attempts, backoff ${formatDuration(r.backoffMs)} ×${r.factor} up to ${formatDuration(r.maxBackoffMs)}`
}

/** One task's definition: kind, queue, trigger rule, how it runs, retries, timeouts, approvers. */
function TaskDetails({ node, onClose }: { node: DagNode; onClose: () => void }) {
  const t = node.timeouts
  return (
    <aside className="panel wp-task-panel" aria-labelledby="wp-task-title" data-testid="task-details">
      <div className="wp-title">
        <h2 id="wp-task-title">{node.id}</h2>
        <button type="button" onClick={onClose} aria-label="Close task details">
          ✕
        </button>
      </div>
      <dl className="kv">
        <dt>Kind</dt>
        <dd>{node.kind}</dd>
        <dt>Queue</dt>
        <dd>{node.queue}</dd>
        <dt>Trigger rule</dt>
        <dd>
          <code>{node.trigger}</code> — {TRIGGER_WORDS[node.trigger] ?? 'see the docs'}
        </dd>
        <dt>Runs</dt>
        <dd>
          {node.kind === 'approval' ? 'waits for a person to approve or reject it' : node.runner ? `the stock worker's ${node.runner} runner` : node.handler ? <>handler <code>{node.handler}</code></> : 'a worker handler named after the task'}
        </dd>
        <dt>Owner</dt>
        <dd>{node.owner ?? '—'}</dd>
        {node.kind === 'approval' ? (
          <>
            <dt>Approvers</dt>
            <dd>{node.approvers?.length ? node.approvers.join(', ') : 'anyone with the approve permission'}</dd>
          </>
        ) : null}
        <dt>Retry</dt>
        <dd>{retryWords(node.retry)}</dd>
        <dt>Timeouts</dt>
        <dd>
          execution {t.executionMs === null ? 'none' : formatDuration(t.executionMs)} · heartbeat {formatDuration(t.heartbeatMs)} · schedule-to-start{' '}
          {t.scheduleToStartMs === null ? 'none' : formatDuration(t.scheduleToStartMs)}
        </dd>
        <dt>Upstream</dt>
        <dd>{node.upstream.length ? node.upstream.join(', ') : 'none (a root)'}</dd>
        <dt>Downstream</dt>
        <dd>{node.downstream.length ? node.downstream.join(', ') : 'none (a leaf)'}</dd>
      </dl>
    </aside>
  )
}

/** The Graph tab: the definition's DAG (no statuses); a task chosen (`?task=`) shows its details beside it. */
export function GraphTab({ wf }: { wf: Schemas['WorkflowDetails'] }) {
  const [search, setSearch] = useSearchParams()
  const selected = search.get('task')
  const nodes = wf.dag.nodes
  const tasks = useMemo<DagTask[]>(() => nodes.map((n) => ({ id: n.id, kind: n.kind, queue: n.queue, trigger: n.trigger, upstream: n.upstream })), [nodes])
  const node = selected ? nodes.find((n) => n.id === selected) : undefined
  const select = (id: string | null) => {
    const next = new URLSearchParams(search)
    if (id) next.set('task', id)
    else next.delete('task')
    setSearch(next, { replace: true })
  }
  if (nodes.length === 0) return <Empty>This workflow has no tasks.</Empty>
  return (
    <div className="split">
      <div>
        <DagView tasks={tasks} selected={selected} onSelect={(id) => select(id)} height="calc(100vh - 280px)" />
        <label className="wp-hint">
          Task{' '}
          <select value={selected ?? ''} onChange={(e) => select(e.target.value || null)}>
            <option value="">choose a task…</option>
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id}
              </option>
            ))}
          </select>{' '}
          (or click one in the graph)
        </label>
      </div>
      {node ? (
        <TaskDetails node={node} onClose={() => select(null)} />
      ) : (
        <Empty>{selected ? `No task "${selected}" in the current version.` : 'Choose a task to see its kind, queue, trigger rule, retries, timeouts and approvers.'}</Empty>
      )}
    </div>
  )
}
