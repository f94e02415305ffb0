import { getRunDetails, listRuns, NotFoundError, ValidationError, workflowStates, type RunDetails, type RunFilter, type RunSummary } from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { fetchRun } from '../api-run.js'
import { CliClient } from '../client.js'
import { formatRun, formatRuns } from '../format.js'
import { runTraceLink, type RunTraceLink } from '../run-trace-link.js'

// `baton runs` and `baton run ID`: read-only views, kept apart from trigger/cancel so that they
// load no definition compiler and no NATS client (the start-up figures in docs/operations.md).

/** Where the views read from. */
interface RunReader {
  /** Runs newest first; NotFoundError for an unknown `filter.workflow`. */
  runs(filter: RunFilter & { limit: number }): Promise<RunSummary[]>
  run(runId: string): Promise<{ run: RunDetails; trace: RunTraceLink }>
  close(): Promise<void>
}

/** The one place these commands choose their mode: the HTTP API when configured, else the database. */
function openReader(): RunReader {
  const api = apiTarget()
  return api ? apiReader(api) : directReader()
}

function directReader(): RunReader {
  const client = new CliClient()
  return {
    async runs(filter) {
      const db = await client.db({ readOnly: true })
      if (filter.workflow && !(await workflowStates(db, [filter.workflow])).has(filter.workflow)) throw new NotFoundError('workflow', filter.workflow)
      return listRuns(db, filter)
    },
    async run(runId) {
      const run = await getRunDetails(await client.db({ readOnly: true }), runId)
      if (!run) throw new NotFoundError('run', runId)
      return { run, trace: runTraceLink(run.id, client.config.traceUrl) }
    },
    close: () => client.close(),
  }
}

/** The API's largest page of runs. */
const API_PAGE = 500

function apiReader(target: ApiTarget): RunReader {
  const api = new ApiClient(target)
  return {
    async runs(filter) {
      if (filter.workflow) await api.ok(api.http.GET('/workflows/{name}', { params: { path: { name: filter.workflow }, query: { fireTimes: 0 } } }))
      const out: RunSummary[] = []
      let cursor: string | undefined
      // Page by page until `limit` runs or the last page.
      while (out.length < filter.limit) {
        const { data } = await api.ok(
          api.http.GET('/runs', {
            params: {
              query: {
                ...(filter.workflow ? { workflow: filter.workflow } : {}),
                ...(typeof filter.status === 'string' ? { status: filter.status as RunSummary['status'] } : {}),
                ...(filter.partition ? { partition: filter.partition } : {}),
                ...(filter.since ? { since: filter.since.toISOString() } : {}),
                ...(filter.until ? { until: filter.until.toISOString() } : {}),
                ...(cursor ? { cursor } : {}),
                limit: Math.min(API_PAGE, filter.limit - out.length),
              },
            },
          }),
        )
        out.push(...data.items)
        if (!data.nextCursor) break
        cursor = data.nextCursor
      }
      return out
    },
    run: (runId) => fetchRun(api, runId),
    close: () => api.close(),
  }
}

/** `baton runs`. */
export async function listRunsCommand(opts: { workflow?: string; status?: string; partition?: string; since?: Date; until?: Date; limit: number; json?: boolean }): Promise<void> {
  if (opts.since && opts.until && opts.since >= opts.until) {
    throw new ValidationError([{ path: '--since/--until', reason: `--since (${opts.since.toISOString()}) must be before --until (${opts.until.toISOString()})` }])
  }
  const reader = openReader()
  try {
    const { json: _json, ...filter } = opts
    const runs = await reader.runs(filter)
    process.stdout.write(opts.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRuns(runs))
  } finally {
    await reader.close()
  }
}

/** `baton run ID`. */
export async function showRun(runId: string, opts: { json?: boolean }): Promise<void> {
  const reader = openReader()
  try {
    const { run, trace } = await reader.run(runId)
    process.stdout.write(opts.json ? `${JSON.stringify({ ...run, ...trace }, null, 2)}\n` : formatRun(run, trace, { attempts: true }))
  } finally {
    await reader.close()
  }
}
