import { traceIdForRun } from '@baton/shared'

/** Where to find a run's trace: its id (derived from the run id) and, when configured, a link. */
export interface RunTraceLink {
  readonly traceId: string
  /** `BATON_TRACE_URL` with `{traceId}` filled in. */
  readonly traceUrl?: string
}

/** The trace of a run; `template` is `BATON_TRACE_URL` (e.g. `http://jaeger:16686/trace/{traceId}`). */
export function runTraceLink(runId: string, template: string | undefined): RunTraceLink {
  const traceId = traceIdForRun(runId)
  return template ? { traceId, traceUrl: template.replaceAll('{traceId}', traceId) } : { traceId }
}
