import { attemptSpanId, emitSpan, reportTracingError, runSpanId, traceIdForRun, tracingEnabled, type Db, type EmittedSpan, type SpanAttributes } from '@baton/shared'
import type { EndedAttempt, EndedWork, FinishedRun } from '../apply/ended-work.js'
import { loadAttemptTimes, type AttemptTimes } from '../db/attempt-times.js'

/**
 * The spans of a run's one trace (brief §6.5), written after commit when something ends:
 *
 *     run <workflow>                      trace id = traceIdForRun(run), span id = runSpanId(run)
 *     ├─ attempt <workflow>.<task>        span id = attemptSpanId(run, task, attempt): the parent
 *     │  └─ task <workflow>.<task>        named by every command's traceparent (worker handler span)
 *     └─ …
 *
 * Each span is emitted once, with its recorded start and end times, by whichever coordinator
 * commits the end: nothing is kept open in memory, so a run lasting hours, or one whose
 * coordinator restarted, still yields a whole trace. A coordinator killed between commit and
 * emission loses those spans (never the run's state).
 */

const pending = new Set<Promise<void>>()

/**
 * Emits the spans of what a committed batch ended. Returns at once (the attempts' start times
 * are read in the background); `drainRunTrace` waits for it. One boolean check when tracing is off.
 */
export function recordEnded(db: Db, ended: () => EndedWork): void {
  if (!tracingEnabled()) return
  let work: EndedWork
  try {
    work = ended()
  } catch (e) {
    // After commit nothing may fail the batch: a telemetry bug costs spans, never events.
    reportTracingError(e, 'could not collect what the batch ended')
    return
  }
  if (work.attempts.length === 0 && work.runs.length === 0) return
  const p: Promise<void> = emitEnded(db, work)
    .catch((e: unknown) => reportTracingError(e, 'could not emit the spans of ended attempts'))
    .finally(() => pending.delete(p))
  pending.add(p)
}

/** Waits for spans still being prepared (before the database pool closes). */
export async function drainRunTrace(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending])
}

async function emitEnded(db: Db, work: EndedWork): Promise<void> {
  for (const r of work.runs) emitSpan(runSpan(r))
  const unknown = work.attempts.filter((a) => !a.queuedAt)
  const times = await loadAttemptTimes(db, unknown)
  for (const a of work.attempts) emitSpan(attemptSpan(a, times.get(`${a.runId}/${a.taskId}/${a.attempt}`)))
}

/** The root span of a run: from its start (its creation if it never started) to its end. */
function runSpan(r: FinishedRun): EmittedSpan {
  const attributes: SpanAttributes = { 'baton.run_id': r.runId, 'baton.workflow': r.workflow, 'baton.status': r.status, 'baton.trigger': r.trigger }
  if (r.partition !== null) attributes['baton.partition'] = r.partition
  return {
    name: `run ${r.workflow}`,
    traceId: traceIdForRun(r.runId),
    spanId: runSpanId(r.runId),
    start: r.startedAt ?? r.createdAt,
    end: r.finishedAt,
    attributes,
    ...(r.status === 'failed' ? { error: 'run failed' } : {}),
  }
}

/**
 * The span of one attempt, child of the run's span: from when it was queued (so it contains
 * the worker's handler span and shows the wait for a worker) to when its end was committed;
 * the moment it started running is an event.
 */
function attemptSpan(a: EndedAttempt, loaded: AttemptTimes | undefined): EmittedSpan {
  const startedAt = a.startedAt ?? loaded?.startedAt ?? undefined
  const workerId = a.workerId ?? loaded?.workerId ?? null
  const attributes: SpanAttributes = {
    'baton.run_id': a.runId,
    'baton.workflow': a.workflow,
    'baton.task': a.taskId,
    'baton.attempt': a.attempt,
    'baton.queue': a.queue,
    'baton.outcome': a.status,
  }
  if (a.partition !== null) attributes['baton.partition'] = a.partition
  if (workerId !== null) attributes['baton.worker'] = workerId
  if (a.error) {
    attributes['baton.error.kind'] = a.error.kind
    attributes['baton.error.retryable'] = a.error.retryable
  }
  return {
    name: `attempt ${a.workflow}.${a.taskId}`,
    traceId: traceIdForRun(a.runId),
    spanId: attemptSpanId(a.runId, a.taskId, a.attempt),
    parentSpanId: runSpanId(a.runId),
    start: a.queuedAt ?? loaded?.queuedAt ?? startedAt ?? a.endedAt,
    end: a.endedAt,
    attributes,
    ...(startedAt ? { events: [{ name: 'started', time: startedAt, attributes: workerId !== null ? { 'baton.worker': workerId } : {} }] } : {}),
    ...(a.status === 'failed' ? { error: a.error?.message ?? 'attempt failed' } : {}),
  }
}
