import { useEffect, useMemo, useRef } from 'react'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { api, unwrap } from '../../api/client'
import { useLiveEvents, type LiveState } from '../../live/live-events'
import { buildRunGrid, liveRefresh, type GridFilter, type GridPage, type RunGridModel } from './run-grid-model'

/**
 * Runs `refresh` at most once per `minMs` however many events arrive (a busy workflow sends many),
 * and never sooner than twice the last refresh took, so a slow API is not asked back to back.
 */
function useCoalesced(refresh: () => Promise<unknown>, minMs = 1000): () => void {
  const timer = useRef<number | null>(null)
  const lastTook = useRef(0)
  const latest = useRef(refresh)
  latest.current = refresh
  useEffect(() => () => void (timer.current !== null && window.clearTimeout(timer.current)), [])
  return () => {
    if (timer.current !== null) return
    timer.current = window.setTimeout(
      () => {
        const started = performance.now()
        void latest.current().finally(() => {
          lastTook.current = performance.now() - started
          timer.current = null
        })
      },
      Math.max(minMs, 2 * lastTook.current),
    )
  }
}

/** A page as fetched, with when its request started (so the fresher of two copies of a run wins). */
type FetchedPage = GridPage & { requestedAt: number }

async function fetchGrid(workflow: string, filter: GridFilter, limit: number, before: string, signal: AbortSignal): Promise<FetchedPage> {
  const requestedAt = Date.now()
  const query = { limit, ...(filter.statuses.length ? { status: filter.statuses } : {}), ...(filter.partition ? { partition: filter.partition } : {}), ...(before ? { before } : {}) }
  const page = unwrap(await api.GET('/workflows/{name}/grid', { params: { path: { name: workflow }, query }, signal })) as GridPage
  return { ...page, requestedAt }
}

/** The grid's data, model and live state, and "load older runs". */
export interface LiveGrid {
  model: RunGridModel
  pages: { hasNextPage: boolean; isFetchingNextPage: boolean; isFetching: boolean; isPending: boolean; isError: boolean; error: unknown; fetchNextPage: () => Promise<unknown>; refetch: () => Promise<unknown> }
  live: LiveState
}

/**
 * The run grid, kept live: pages of GET /workflows/{name}/grid (page size and filters from the
 * URL, older pages on demand), and the workflow's run and task events. Events are coalesced
 * (≥ 1 s apart) and usually refetch only the newest runs they touch (`liveRefresh`), merged in
 * front of the loaded pages; a refresh that would cover a whole page refetches everything.
 */
export function useLiveGrid(workflow: string, filter: GridFilter): LiveGrid {
  const key = [workflow, filter.statuses.join(','), filter.partition, filter.limit] as const
  const headSize = useRef(0)
  const touched = useRef(new Set<string>())
  useEffect(() => {
    headSize.current = 0
  }, key)

  const pages = useInfiniteQuery({
    queryKey: ['workflow-grid', ...key],
    queryFn: ({ pageParam, signal }) => fetchGrid(workflow, filter, filter.limit, pageParam, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // A filter change keeps the old grid on screen until the new one arrives (no flash).
    placeholderData: (previous) => previous,
  })
  const head = useQuery({
    queryKey: ['workflow-grid-head', ...key],
    enabled: false,
    queryFn: ({ signal }) => fetchGrid(workflow, filter, headSize.current, '', signal),
  })

  // The head counts only while it is fresher than the first page (a full refetch supersedes it).
  const headFresh = head.data !== undefined && head.data.requestedAt > (pages.data?.pages[0]?.requestedAt ?? 0)
  const model = useMemo(
    () => buildRunGrid(headFresh && head.data ? [head.data, ...(pages.data?.pages ?? [])] : (pages.data?.pages ?? []), filter),
    [pages.data, head.data, headFresh, filter.statuses.join(','), filter.partition, filter.taskQuery],
  )

  const modelRef = useRef(model)
  modelRef.current = model
  const refresh = useCoalesced(async () => {
    const plan = liveRefresh(modelRef.current, touched.current, headSize.current, filter.limit)
    touched.current = new Set()
    if (plan.kind === 'full') {
      headSize.current = 0
      await pages.refetch()
    } else {
      headSize.current = plan.size
      await head.refetch()
    }
  })
  const live = useLiveEvents(
    { workflow, types: ['run', 'task'] },
    {
      onTransition: (e) => {
        touched.current.add(e.runId)
        refresh()
      },
    },
  )
  return { model, pages, live }
}
