import { SpanStatusCode } from '@opentelemetry/api'
import { tracingEnabled, withSpan } from '@baton/shared'
import type { TaskEventPublisher } from './result-publisher.js'

/**
 * Wraps a task event publisher so each `started`, `succeeded` and `failed` publish is a
 * `baton.publish` span, child of the attempt's handler span (named by the `traceparent` the
 * event carries). Heartbeats (`publishOnce`) stay unspanned: an hours-long attempt would
 * otherwise add a span every few seconds. With tracing off it is one boolean check per publish.
 */
export function tracedTaskEventPublisher(inner: TaskEventPublisher): TaskEventPublisher {
  return {
    publish(event, traceparent, options) {
      if (!tracingEnabled()) return inner.publish(event, traceparent, options)
      const attributes = { 'baton.event': event.type, 'baton.run_id': event.runId, 'baton.task': event.taskId, 'baton.attempt': event.attempt, 'messaging.system': 'nats' }
      return withSpan('baton.publish', { kind: 'producer', parent: traceparent, attributes }, async (span) => {
        const ok = await inner.publish(event, traceparent, options)
        // The publisher never throws; a publish it gave up on is this span's failure.
        if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: 'gave up publishing the task event' })
        return ok
      })
    },
    publishOnce: (event, traceparent) => inner.publishOnce(event, traceparent),
    close: () => inner.close(),
  }
}
