import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { api, unwrap, type Schemas } from '../../api/client'

/**
 * The reads of a mapped task's instances, which GET /runs/{id} leaves out (a run may hold
 * 100,000): a page at a time of one task's instances, and one instance with its attempts.
 */

/** A page of GET /runs/{id}/tasks/{taskId}/instances. */
export type MapInstancePage = Schemas['MapInstancePage']
/** One instance in such a page. */
export type MapInstanceRow = MapInstancePage['instances'][number]
/** One task or instance as GET /runs/{id}/tasks/{taskId} answers it. */
export type TaskView = Schemas['TaskView']

/** Instances per page of the list (the API allows up to 1,000). */
export const INSTANCE_PAGE = 200
/** How often an unfinished mapped task's list and an unfinished instance are re-read. */
const REFRESH_MS = 5000

type InstanceStatus = MapInstanceRow['status']

/**
 * A mapped task's instances in index order, page by page (`fetchNextPage` for more), only those
 * in `status` when given. While `active` (the task is unfinished) the pages read so far are
 * re-read every few seconds.
 */
export function useMapInstances(runId: string, taskId: string, status: string | null, active: boolean) {
  return useInfiniteQuery({
    queryKey: ['map-instances', runId, taskId, status ?? ''],
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/runs/{id}/tasks/{taskId}/instances', {
          params: { path: { id: runId, taskId }, query: { limit: INSTANCE_PAGE, ...(pageParam >= 0 ? { after: pageParam } : {}), ...(status ? { status: status as InstanceStatus } : {}) } },
          signal,
        }),
      ),
    initialPageParam: -1,
    getNextPageParam: (last: MapInstancePage) => last.nextAfter ?? undefined,
    // A filter change keeps the old list on screen until the new one arrives (no flash).
    placeholderData: (previous) => previous,
    refetchInterval: active ? REFRESH_MS : false,
  })
}

/** One instance of a mapped task (`load[3]`) with its attempts; disabled for `null`. */
export function useInstanceView(runId: string, instanceId: string | null) {
  return useQuery({
    queryKey: ['task-view', runId, instanceId ?? ''],
    enabled: instanceId !== null,
    queryFn: async ({ signal }) => unwrap(await api.GET('/runs/{id}/tasks/{taskId}', { params: { path: { id: runId, taskId: instanceId! } }, signal })),
    refetchInterval: (q) => {
      const status = (q.state.data as TaskView | undefined)?.status
      return status === undefined || ['queued', 'running', 'retrying', 'pending'].includes(status) ? REFRESH_MS : false
    },
  })
}
