import { context, isSpanContextValid, SpanKind, trace, TraceFlags, type Span } from '@opentelemetry/api'
import { parseTraceparent, traceIdForRun, traceparentFor, type TaskCommand } from '@baton/shared'

const tracer = trace.getTracer('baton-worker')

/**
 * Starts the span of one attempt as a child of the command's `traceparent`, so the worker's
 * work joins the run's single trace (brief §6.5). Without a registered OpenTelemetry SDK the
 * span is a non-recording stand-in that still carries the parent's ids.
 */
export function startTaskSpan(command: TaskCommand, queue: string): Span {
  const parent = parseTraceparent(command.traceparent)
  const parentContext = parent
    ? trace.setSpanContext(context.active(), {
        traceId: parent.traceId,
        spanId: parent.spanId,
        traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      })
    : context.active()
  return tracer.startSpan(
    `task ${command.workflow}.${command.taskId}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'baton.run_id': command.runId,
        'baton.workflow': command.workflow,
        'baton.task_id': command.taskId,
        'baton.attempt': command.attempt,
        'baton.queue': queue,
        'messaging.system': 'nats',
      },
    },
    parentContext,
  )
}

/**
 * The `traceparent` for messages caused by an attempt: the attempt's span when it is valid,
 * else the command's own header, else one derived from the run id (the run's trace id is
 * its UUID, so the trace stays whole even when the coordinator sent a malformed header).
 */
export function traceparentOf(span: Span, command: TaskCommand): string {
  const sc = span.spanContext()
  if (isSpanContextValid(sc)) return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`
  if (parseTraceparent(command.traceparent)) return command.traceparent.trim()
  return traceparentFor(command.runId)
}

/** The trace id an attempt logs with (matches the run's trace in the CLI and UI). */
export function traceIdOf(command: TaskCommand): string {
  return parseTraceparent(command.traceparent)?.traceId ?? traceIdForRun(command.runId)
}
