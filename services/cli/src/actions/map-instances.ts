import { listMapInstances, MAX_MAP_INSTANCE_PAGE, type MapInstancePage } from '@baton/shared'
import { ApiClient, apiTarget } from '../api-client.js'
import { CliClient } from '../client.js'
import { formatMapInstances } from '../map-instance-format.js'

// `baton instances RUN TASK`: a mapped task's instances, read a page at a time (a task may have
// 100,000), from the HTTP API when configured, else from Postgres.

/** What `baton instances` was asked for. */
interface InstanceOptions {
  status?: string
  after?: number
  limit: number
  json?: boolean
}

/** Reads one page (at most MAX_MAP_INSTANCE_PAGE) of a mapped task's instances. */
type PageReader = (runId: string, taskId: string, q: { status?: string; after?: number; limit: number }) => Promise<MapInstancePage>

/** `baton instances RUN TASK`. */
export async function instances(runId: string, taskId: string, opts: InstanceOptions): Promise<void> {
  const api = apiTarget()
  const client = api ? new ApiClient(api) : new CliClient()
  const read: PageReader =
    client instanceof ApiClient
      ? async (id, task, q) =>
          (
            await client.ok(
              client.http.GET('/runs/{id}/tasks/{taskId}/instances', {
                params: { path: { id, taskId: task }, query: { ...(q.status ? { status: q.status as MapInstancePage['instances'][number]['status'] } : {}), ...(q.after !== undefined ? { after: q.after } : {}), limit: q.limit } },
              }),
            )
          ).data as MapInstancePage
      : async (id, task, q) => listMapInstances(await client.db({ readOnly: true }), id, task, q)
  try {
    // Page by page until `limit` instances or the last page.
    let page: MapInstancePage | undefined
    let after = opts.after
    for (;;) {
      const next = await read(runId, taskId, { ...(opts.status ? { status: opts.status } : {}), ...(after !== undefined ? { after } : {}), limit: Math.min(MAX_MAP_INSTANCE_PAGE, opts.limit - (page?.instances.length ?? 0)) })
      page = page ? { ...next, instances: [...page.instances, ...next.instances] } : next
      if (next.nextAfter === null || page.instances.length >= opts.limit) break
      after = next.nextAfter
    }
    const filter = opts.status ? ` --status ${opts.status}` : ''
    process.stdout.write(opts.json ? `${JSON.stringify(page, null, 2)}\n` : formatMapInstances(page, { runId, filter }))
  } finally {
    await client.close()
  }
}
