import type { Schemas } from '../../api/client'
import type { Look } from '../ops/look'

/**
 * The workflows list's filters (held in the URL) and how each workflow's state, freshness and
 * data gate read in words. The list is fetched whole once and filtered here, so typing in the
 * name filter answers at once and the owner choices are the owners actually present.
 */

/** One row of GET /workflows. */
export type WorkflowSummary = Schemas['WorkflowSummary']

/** Whether a workflow runs: archived (undeployed), paused, or active. */
export type WorkflowState = 'active' | 'paused' | 'archived'

/** A freshness state of a workflow's data. */
export type FreshnessState = 'complete' | 'partial' | 'failed' | 'stale' | 'unknown'

/** Which workflows to show; `status` 'current' (the default) is active and paused, not archived. */
export interface WorkflowFilter {
  owner: string
  status: WorkflowState | 'current' | 'all'
  name: string
  freshness: FreshnessState | ''
}

const STATES = ['active', 'paused', 'archived', 'current', 'all'] as const
const FRESHNESS_STATES = ['complete', 'partial', 'failed', 'stale', 'unknown'] as const

/** The filter a URL's query string holds (unknown values fall back to "show everything current"). */
export function readWorkflowFilter(params: URLSearchParams): WorkflowFilter {
  const status = params.get('status') ?? ''
  const freshness = params.get('freshness') ?? ''
  return {
    owner: params.get('owner') ?? '',
    status: (STATES as readonly string[]).includes(status) ? (status as WorkflowFilter['status']) : 'current',
    name: params.get('name') ?? '',
    freshness: (FRESHNESS_STATES as readonly string[]).includes(freshness) ? (freshness as FreshnessState) : '',
  }
}

/** A workflow's state from its archived and paused flags. */
export function workflowState(w: Pick<WorkflowSummary, 'archivedAt' | 'paused'>): WorkflowState {
  return w.archivedAt ? 'archived' : w.paused ? 'paused' : 'active'
}

/**
 * Whether a name matches what was typed: a glob when it has `*` or `?` (as the API's `name`
 * parameter and `baton workflows` take it), else a case-insensitive substring.
 */
export function nameMatches(typed: string, name: string): boolean {
  const t = typed.trim().toLowerCase()
  if (!t) return true
  if (!/[*?]/.test(t)) return name.toLowerCase().includes(t)
  const pattern = t.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${pattern}$`).test(name.toLowerCase())
}

/** The workflows a filter keeps, in the API's order (by name). */
export function filterWorkflows(items: readonly WorkflowSummary[], f: WorkflowFilter): WorkflowSummary[] {
  return items.filter((w) => {
    const state = workflowState(w)
    if (f.status === 'current' ? state === 'archived' : f.status !== 'all' && state !== f.status) return false
    if (f.owner && (w.owner ?? '') !== f.owner) return false
    if (f.freshness && (w.freshness?.state ?? 'unknown') !== f.freshness) return false
    return nameMatches(f.name, w.name)
  })
}

/** The owners present, sorted, for the owner filter's choices. */
export function ownersOf(items: readonly WorkflowSummary[]): string[] {
  return [...new Set(items.map((w) => w.owner).filter((o): o is string => !!o))].sort()
}

/** How each workflow state is drawn. */
export const WORKFLOW_STATE: Record<WorkflowState, Look> = {
  active: { icon: '▶', label: 'active', hint: 'runs on its schedule or when its data lands', colour: 'succeeded' },
  paused: { icon: '‖', label: 'paused', hint: 'paused: no new runs start until it is unpaused', colour: 'retrying' },
  archived: { icon: '▣', label: 'archived', hint: 'archived: undeployed, kept for its history', colour: 'cancelled' },
}

/** How each freshness state is drawn. */
export const FRESHNESS: Record<FreshnessState, Look> = {
  complete: { icon: '✓', label: 'complete', hint: 'the latest expected partition is complete', colour: 'succeeded' },
  partial: { icon: '◐', label: 'partial', hint: 'the latest partition is still being produced', colour: 'running' },
  failed: { icon: '✕', label: 'failed', hint: 'the latest partition failed', colour: 'failed' },
  stale: { icon: '◷', label: 'stale', hint: 'the data is older than it should be', colour: 'retrying' },
  unknown: { icon: '?', label: 'unknown', hint: 'no run yet, or no expectation to compare with', colour: 'unknown' },
}

/** The hover text of a freshness badge: what is missing, the latest partition and its age. */
export function freshnessHint(f: WorkflowSummary['freshness']): string {
  if (!f) return 'archived: freshness is not tracked'
  const lines = [FRESHNESS[f.state].hint]
  if (f.latestPartition) lines.push(`latest partition: ${f.latestPartition}${f.latestStatus ? ` (${f.latestStatus})` : ''}`)
  if (f.expectedPartition) lines.push(`expected partition: ${f.expectedPartition}`)
  if (f.lastSuccessPartition) lines.push(`last success: ${f.lastSuccessPartition}`)
  if (f.withinSla === false) lines.push('outside its SLA')
  for (const m of f.missing) lines.push(`missing: ${m}`)
  return lines.join('\n')
}

/** The title of a recent run's mark: partition, status and when it was created. */
export function runMarkTitle(run: WorkflowSummary['recentRuns'][number], when: string): string {
  return `${run.partition ?? 'no partition'}: ${run.status.replace('_', ' ')} (started ${when})`
}
