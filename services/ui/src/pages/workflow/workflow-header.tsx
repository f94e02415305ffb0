import { useQuery } from '@tanstack/react-query'
import { api, unwrap, type Schemas } from '../../api/client'
import { useCan } from '../../auth/auth-context'
import { Time } from '../../ui/time'

/** An action panel the header can open (kept in the URL as `?action=`). */
export type WorkflowAction = 'trigger' | 'pause' | 'backfill'

/**
 * Who paused the workflow and why, from the audit log. The workflow answer does not carry it, so
 * this is best effort: only for callers who may read the audit log, and only for pauses made
 * through the API (the CLI's are not audited).
 */
function usePausedBy(name: string, paused: boolean) {
  const mayAudit = useCan()('audit')
  return useQuery({
    queryKey: ['workflow-paused-by', name],
    enabled: paused && mayAudit,
    staleTime: 30_000,
    queryFn: async () => {
      const page = unwrap(await api.GET('/audit', { params: { query: { action: 'workflow.pause', result: 'ok', limit: 100 } } }))
      const line = page.items.find((l) => l.resource === `workflow:${name}`)
      if (!line) return null
      const reason = (line.params as { body?: { reason?: string } } | null)?.body?.reason ?? null
      return { actor: line.actor, at: line.at, reason }
    },
  })
}

/** The workflow's state in words and an icon: active, paused (by whom and why, when known) or archived. */
function WorkflowState({ wf }: { wf: Schemas['WorkflowDetails'] }) {
  const pausedBy = usePausedBy(wf.name, wf.paused && !wf.archivedAt)
  if (wf.archivedAt) {
    return (
      <span className="wp-state wp-state-archived" data-state="archived" title="Its schedule and data gate start no runs; its runs stay readable">
        <span aria-hidden="true">⊘</span> archived <Time value={wf.archivedAt} />
      </span>
    )
  }
  if (wf.paused) {
    const by = pausedBy.data
    return (
      <span className="wp-state wp-state-paused" data-state="paused" title="Cron ticks and landed partitions start no run until it is unpaused; manual runs and backfills still work">
        <span aria-hidden="true">‖</span> paused
        {by ? (
          <span className="muted">
            {' '}
            by {by.actor}, <Time value={by.at} />
            {by.reason ? ` — “${by.reason}”` : ''}
          </span>
        ) : null}
      </span>
    )
  }
  return (
    <span className="wp-state wp-state-active" data-state="active" title="Its schedule and data gate start runs">
      <span aria-hidden="true">▶</span> active
    </span>
  )
}

/**
 * The page's header: name, state, owner, description, what it produces, its queues and version;
 * and the actions the caller may take on it (only those `allowed` lists).
 */
export function WorkflowHeader({ wf, action, setAction }: { wf: Schemas['WorkflowDetails']; action: WorkflowAction | null; setAction: (a: WorkflowAction | null) => void }) {
  const can = useCan(wf.allowed)
  const toggle = (a: WorkflowAction) => setAction(action === a ? null : a)
  // An archived workflow starts no runs (the API answers 409), though `allowed` still lists the permissions.
  const live = !wf.archivedAt
  return (
    <div className="page-header">
      <div>
        <div className="wp-title">
          <h1>{wf.name}</h1>
          <WorkflowState wf={wf} />
        </div>
        {wf.description ? <p className="muted" style={{ margin: '2px 0' }}>{wf.description}</p> : null}
        <div className="wp-meta">
          <span>
            <span className="muted">Owner</span> {wf.owner ?? '—'}
          </span>
          <span>
            <span className="muted">Produces</span> {wf.produces.length ? wf.produces.map((p) => <span key={p} className="tag">{p}</span>) : '—'}
          </span>
          <span>
            <span className="muted">Queues</span> {wf.queues.map((q) => <span key={q} className="tag">⇢ {q}</span>)}
          </span>
          <span>
            <span className="muted">Tasks</span> {wf.dag.nodes.length}
          </span>
          <span>
            <span className="muted">Partitions</span> {wf.partitionKind}
          </span>
          <span title={wf.version}>
            <span className="muted">Version</span> <code>{wf.version.slice(0, 12)}</code> <span className="muted">deployed</span> <Time value={wf.updatedAt} />
          </span>
        </div>
      </div>
      <div className="actions">
        {can('trigger') && live ? (
          <button type="button" className={action === 'trigger' ? 'primary' : ''} aria-expanded={action === 'trigger'} onClick={() => toggle('trigger')}>
            Trigger run
          </button>
        ) : null}
        {can('backfill') && live ? (
          <button type="button" aria-expanded={action === 'backfill'} onClick={() => toggle('backfill')}>
            Backfill
          </button>
        ) : null}
        {can('pause') && live ? (
          <button type="button" aria-expanded={action === 'pause'} onClick={() => toggle('pause')}>
            {wf.paused ? 'Unpause' : 'Pause'}
          </button>
        ) : null}
      </div>
    </div>
  )
}
