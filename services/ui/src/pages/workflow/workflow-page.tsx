import { useRef, type KeyboardEvent } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { useQuery } from '@tanstack/react-query'
import { api, unwrap, type Schemas } from '../../api/client'
import { useCan } from '../../auth/auth-context'
import { ErrorState, Loading } from '../../ui/states'
import { BackfillForm } from './backfill-form'
import { BackfillsTab } from './backfills-tab'
import { GraphTab } from './graph-tab'
import { GridTab } from './grid-tab'
import { PartitionsTab } from './partitions-tab'
import { PauseForm } from './pause-form'
import { ScheduleTab } from './schedule-tab'
import { TriggerForm } from './trigger-form'
import { VersionsTab } from './versions-tab'
import { WorkflowHeader, type WorkflowAction } from './workflow-header'
import './workflow-page.css'

/** The page's tabs, in order; `grid` is the default. */
const TABS = [
  ['grid', 'Grid'],
  ['graph', 'Graph'],
  ['partitions', 'Partitions'],
  ['versions', 'Versions'],
  ['schedule', 'Schedule'],
  ['backfills', 'Backfills'],
] as const
type Tab = (typeof TABS)[number][0]
const ACTIONS: readonly WorkflowAction[] = ['trigger', 'pause', 'backfill']

/** The tab bar: links (each tab has a URL) with arrow-key movement between them. */
function TabBar({ tab, hrefOf }: { tab: Tab; hrefOf: (t: Tab) => string }) {
  const bar = useRef<HTMLDivElement>(null)
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return
    const links = [...(bar.current?.querySelectorAll<HTMLAnchorElement>('a') ?? [])]
    const i = links.indexOf(document.activeElement as HTMLAnchorElement)
    const next = links[(i + (e.key === 'ArrowRight' ? 1 : links.length - 1)) % links.length]
    next?.focus()
    e.preventDefault()
  }
  return (
    <div className="tabs" role="tablist" aria-label="Workflow views" ref={bar} onKeyDown={onKeyDown}>
      {TABS.map(([id, label]) => (
        <Link key={id} to={hrefOf(id)} role="tab" aria-selected={tab === id}>
          {label}
        </Link>
      ))}
    </div>
  )
}

/** The open action panel (trigger, pause/unpause, backfill), only when the caller holds its permission. */
function ActionPanel({ wf, action, close }: { wf: Schemas['WorkflowDetails']; action: WorkflowAction | null; close: () => void }) {
  const can = useCan(wf.allowed)
  if (!action || !can(action) || wf.archivedAt) return null
  if (action === 'trigger') return <TriggerForm key={wf.version} wf={wf} onClose={close} />
  if (action === 'pause') return <PauseForm wf={wf} onClose={close} />
  return <BackfillForm key={wf.version} wf={wf} onClose={close} />
}

/**
 * A workflow (`/ui/workflows/:name`): header with its state and actions, and tabs (in the URL as
 * `?tab=`): the runs × tasks grid, the DAG, partitions ("why hasn't this run started?"),
 * versions with a diff, schedule and data gate, backfills. An open action form is `?action=`.
 */
export function WorkflowPage() {
  const { name = '' } = useParams()
  const [search, setSearch] = useSearchParams()
  const tabParam = search.get('tab')
  const tab: Tab = TABS.some(([id]) => id === tabParam) ? (tabParam as Tab) : 'grid'
  const actionParam = search.get('action') as WorkflowAction | null
  const action = actionParam && ACTIONS.includes(actionParam) ? actionParam : null
  // Through `unwrap` rather than $api.useQuery: its ApiError keeps the HTTP status, so a 404 or 403
  // is not retried and the error state gives the right advice ($api throws the bare error body).
  const init = { params: { path: { name }, query: { fireTimes: 5 } } }
  const wf = useQuery({ queryKey: ['get', '/workflows/{name}', init], queryFn: async () => unwrap(await api.GET('/workflows/{name}', init)) })
  const can = useCan(wf.data?.allowed)
  const may = (p: 'trigger' | 'pause' | 'backfill') => can(p) && !wf.data?.archivedAt

  const setAction = (a: WorkflowAction | null) => {
    const next = new URLSearchParams(search)
    if (a) next.set('action', a)
    else next.delete('action')
    setSearch(next, { replace: true })
  }
  // A tab's link keeps the open action but drops the other tab's own state (filters, task, diff).
  const hrefOf = (t: Tab) => {
    const next = new URLSearchParams()
    if (t !== 'grid') next.set('tab', t)
    if (action) next.set('action', action)
    const q = next.toString()
    return `/ui/workflows/${encodeURIComponent(name)}${q ? `?${q}` : ''}`
  }

  if (wf.isPending) return <Loading what={`workflow ${name}`} />
  if (wf.isError) return <ErrorState error={wf.error} what={`workflow ${name}`} retry={() => void wf.refetch()} />
  const w = wf.data
  const onTrigger = may('trigger') ? () => setAction('trigger') : undefined
  const onBackfill = may('backfill') ? () => setAction('backfill') : undefined
  return (
    <div className="wp-page" data-workflow={w.name}>
      <p className="muted" style={{ margin: '0 0 6px' }}>
        <Link to="/ui/workflows">Workflows</Link> /
      </p>
      <WorkflowHeader wf={w} action={action} setAction={setAction} />
      <ActionPanel wf={w} action={action} close={() => setAction(null)} />
      <TabBar tab={tab} hrefOf={hrefOf} />
      <div role="tabpanel" aria-label={TABS.find(([id]) => id === tab)?.[1]}>
        {tab === 'grid' ? <GridTab workflow={w.name} onTrigger={onTrigger} /> : null}
        {tab === 'graph' ? <GraphTab wf={w} /> : null}
        {tab === 'partitions' ? <PartitionsTab wf={w} onTrigger={onTrigger} /> : null}
        {tab === 'versions' ? <VersionsTab name={w.name} /> : null}
        {tab === 'schedule' ? <ScheduleTab wf={w} /> : null}
        {tab === 'backfills' ? <BackfillsTab name={w.name} onBackfill={onBackfill} /> : null}
      </div>
    </div>
  )
}
