import { randomBytes, createHash } from 'node:crypto'

/**
 * W3C trace-context helpers. A run's trace id is derived from its run id so every process and
 * the CLI can name the trace without a lookup.
 */

/** The trace id (32 hex chars) of a run: its UUID without dashes. */
export function traceIdForRun(runId: string): string {
  const hex = runId.replace(/-/g, '').toLowerCase()
  if (/^[0-9a-f]{32}$/.test(hex)) return hex
  return createHash('sha256').update(runId).digest('hex').slice(0, 32)
}

/**
 * The span id of a run's root span, derived from the run id so the coordinator that finishes
 * the run can emit it (hours after it started) without having kept anything in memory.
 */
export function runSpanId(runId: string): string {
  return createHash('sha256').update(`run:${runId}`).digest('hex').slice(0, 16)
}

/**
 * The span id of one attempt of a task, derived from its identity: the coordinator puts it in
 * the command's `traceparent` (so the worker's span is its child) and emits the attempt span
 * with this id when the attempt ends.
 */
export function attemptSpanId(runId: string, taskId: string, attempt: number): string {
  return createHash('sha256').update(`${runId}/${taskId}/${attempt}`).digest('hex').slice(0, 16)
}

/** A fresh span id (16 hex chars). */
export function newSpanId(): string {
  return randomBytes(8).toString('hex')
}

/** A `traceparent` header value for a span of a run. */
export function traceparentFor(runId: string, spanId: string = newSpanId()): string {
  return `00-${traceIdForRun(runId)}-${spanId}-01`
}

/** Parses a `traceparent`; undefined when malformed. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  if (!value) return undefined
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value.trim())
  if (!m) return undefined
  return { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 }
}
