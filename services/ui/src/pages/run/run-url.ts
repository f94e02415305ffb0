import { useCallback } from 'react'
import { useSearchParams } from 'react-router'

/**
 * The run page's state in its query string, so any view can be linked:
 * `?view=graph|timeline&task=ID&attempt=N&tab=logs|output|error|inputs|check&instances=STATUS`.
 * `task` may be an instance of a mapped task (`load[3]`); `instances` filters a mapped task's
 * instance list by status.
 */

/** The main view: the DAG or the Gantt timeline. */
export type RunView = 'graph' | 'timeline'
/** The task panel's tabs. */
export type TaskTab = 'logs' | 'output' | 'error' | 'inputs' | 'check'

/** Every task panel tab, in display order. */
export const TASK_TABS: readonly TaskTab[] = ['logs', 'output', 'error', 'inputs', 'check']

/** What the URL says the page shows. */
export interface RunUrlState {
  view: RunView
  task: string | null
  /** The attempt picked (null: the latest). */
  attempt: number | null
  tab: TaskTab
  /** A mapped task's instance list: only instances in this status (null: every one). */
  instances: string | null
}

/** Reads the run page's state from a query string; anything unknown falls back to the default. */
export function parseRunUrl(search: URLSearchParams): RunUrlState {
  const view = search.get('view') === 'timeline' ? 'timeline' : 'graph'
  const attempt = Number(search.get('attempt'))
  const tab = search.get('tab') as TaskTab | null
  return {
    view,
    task: search.get('task') || null,
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
    tab: tab && TASK_TABS.includes(tab) ? tab : 'logs',
    instances: search.get('instances') || null,
  }
}

/** The run page's URL state and a setter that merges changes into it. */
export function useRunUrl(): [RunUrlState, (change: Partial<RunUrlState>, options?: { replace?: boolean }) => void] {
  const [search, setSearch] = useSearchParams()
  const update = useCallback(
    (change: Partial<RunUrlState>, options?: { replace?: boolean }) => {
      setSearch(
        (prev) => {
          const next = new URLSearchParams(prev)
          const put = (k: string, v: string | null, fallback?: string) => (v === null || v === fallback ? next.delete(k) : next.set(k, v))
          if ('view' in change) put('view', change.view ?? null, 'graph')
          if ('task' in change) {
            put('task', change.task ?? null)
            // Another task's attempt numbers mean nothing for this one.
            if (!('attempt' in change)) next.delete('attempt')
          }
          if ('attempt' in change) put('attempt', change.attempt == null ? null : String(change.attempt))
          if ('tab' in change) put('tab', change.tab ?? null, 'logs')
          if ('instances' in change) put('instances', change.instances ?? null)
          return next
        },
        { replace: options?.replace ?? false },
      )
    },
    [setSearch],
  )
  return [parseRunUrl(search), update]
}
