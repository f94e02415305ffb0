import { useEffect, useRef, useState } from 'react'
import { useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { $api, api, unwrap } from '../../api/client'
import { useLiveEvents, type LiveState, type TransitionEvent } from '../../live/live-events'
import { applyTransitions, FINISHED_RUN_STATUSES, type RunDetails } from './run-patch'

/**
 * The run page's reads: the run (GET /runs/{id}), kept current by the event stream, and its
 * workflow (GET /workflows/{name}: trigger rules, timezone).
 */

/**
 * The cache key of GET /runs/{id}: the one openapi-react-query gives it, so every
 * `$api.useQuery('get', '/runs/{id}', …)` on the page shares (and sees the patches to) the entry.
 */
export function runQueryKey(id: string): QueryKey {
  return $api.queryOptions('get', '/runs/{id}', { params: { path: { id } } }).queryKey
}

/**
 * The run. Read through `unwrap` so a failure is an ApiError with its HTTP status (a 404 is told
 * apart from an outage). While the run is unfinished it is also re-read every 30 s: a safety net
 * under the live stream, not the way it normally updates.
 */
export function useRunDetails(id: string) {
  return useQuery({
    queryKey: runQueryKey(id),
    queryFn: async ({ signal }) => unwrap(await api.GET('/runs/{id}', { params: { path: { id } }, signal })),
    refetchInterval: (q) => {
      const data = q.state.data as RunDetails | undefined
      return data && !FINISHED_RUN_STATUSES.has(data.status) ? 30_000 : false
    },
  })
}

/** The run's workflow (its DAG's trigger rules and its timezone); a failure only loses those extras. */
export function useRunWorkflow(name: string | undefined) {
  return $api.useQuery('get', '/workflows/{name}', { params: { path: { name: name ?? '' } } }, { enabled: !!name, retry: false, staleTime: 60_000 })
}

/** The timezone the workflow thinks in: its schedule's, or its data gate's. */
export function workflowZone(wf: { schedule: { timezone: string } | null; gate: { timezone: string } | null } | undefined): string | null {
  return wf?.schedule?.timezone ?? wf?.gate?.timezone ?? null
}

/** How long after a change to re-read the whole run: longer for big runs, whose answer is large. */
function refetchDelay(taskCount: number): number {
  return Math.min(2000, Math.max(300, taskCount / 2))
}

/**
 * Follows the run on GET /events. A transition patches the cached run within a few ms (batched:
 * a burst of events is one render), so the graph recolours at once; then one re-read brings the
 * full details. While a re-read is in flight the next waits for it, so the newest state always
 * lands last and a busy run cannot queue up re-reads.
 */
export function useRunLive(id: string, taskCount: number): LiveState {
  const queryClient = useQueryClient()
  const pending = useRef<{ event: TransitionEvent; kind: 'run' | 'task' }[]>([])
  const flushTimer = useRef<number | null>(null)
  const refetchTimer = useRef<number | null>(null)
  const size = useRef(taskCount)
  size.current = taskCount

  useEffect(
    () => () => {
      if (flushTimer.current !== null) clearTimeout(flushTimer.current)
      if (refetchTimer.current !== null) clearTimeout(refetchTimer.current)
      flushTimer.current = null
      refetchTimer.current = null
      pending.current = []
    },
    [id],
  )

  const key = runQueryKey(id)
  const scheduleRefetch = () => {
    if (refetchTimer.current !== null) return
    const fire = () => {
      if (queryClient.isFetching({ queryKey: key, exact: true }) > 0) {
        refetchTimer.current = window.setTimeout(fire, refetchDelay(size.current))
        return
      }
      refetchTimer.current = null
      void queryClient.refetchQueries({ queryKey: key, exact: true }, { cancelRefetch: false })
    }
    refetchTimer.current = window.setTimeout(fire, refetchDelay(size.current))
  }
  const flush = () => {
    flushTimer.current = null
    const events = pending.current
    pending.current = []
    queryClient.setQueryData<RunDetails>(key, (old) => (old ? applyTransitions(old, events) : old))
  }

  return useLiveEvents(
    { run: id, types: ['run', 'task'] },
    {
      onTransition: (event, kind) => {
        pending.current.push({ event, kind })
        flushTimer.current ??= window.setTimeout(flush, 16)
        scheduleRefetch()
      },
    },
  )
}

/** The current time, ticking every `everyMs` while `active` (durations and open bars grow). */
export function useNow(active: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = window.setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [active, everyMs])
  return now
}
