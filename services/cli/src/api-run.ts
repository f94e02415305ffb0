import type { RunDetails } from '@baton/shared'
import type { ApiClient, ApiSchemas } from './api-client.js'
import type { RunTraceLink } from './run-trace-link.js'

/**
 * A run as `GET /runs/{id}` answers it, as the CLI's formatters take it: the run of direct mode
 * (`getRunDetails`) and its trace link. The API's extra fields (each task's `inputs`, the `trace`
 * object) are left out, so `--json` prints the same document in both modes.
 */
export function runFromApi(data: ApiSchemas['RunDetails']): { run: RunDetails; trace: RunTraceLink } {
  // `allowed` (what the caller may do) serves the web UI's buttons; the CLI shows the run as it is.
  const { trace, tasks, allowed: _allowed, ...rest } = data
  const run: RunDetails = { ...rest, tasks: tasks.map(({ inputs: _inputs, ...t }) => t) }
  return { run, trace: { traceId: trace.traceId, ...(trace.traceUrl ? { traceUrl: trace.traceUrl } : {}) } }
}

/** `GET /runs/{id}` as the CLI shows it. */
export async function fetchRun(api: ApiClient, runId: string): Promise<{ run: RunDetails; trace: RunTraceLink }> {
  const { data } = await api.ok(api.http.GET('/runs/{id}', { params: { path: { id: runId } } }))
  return runFromApi(data)
}
