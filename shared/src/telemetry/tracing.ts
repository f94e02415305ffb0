import {
  context,
  diag,
  DiagLogLevel,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, RandomIdGenerator, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { BatonConfig } from '../config.js'
import { toError } from '../errors.js'
import type { Logger } from './logger.js'
import { parseTraceparent } from './trace-context.js'

/**
 * Baton's one tracing layer (OpenTelemetry SDK, OTLP/HTTP export). Two kinds of span leave a
 * process:
 *
 * - **Emitted spans** (`emitSpan`): the run's root span and one span per attempt, written by
 *   the coordinator once the run or attempt has ended, with ids derived from the run
 *   (`runSpanId`, `attemptSpanId`) and their real start and end times. Nothing is held open,
 *   so a run lasting hours (or outliving the coordinator that started it) still yields one
 *   whole trace. They are always sampled: every command's `traceparent` already says so.
 * - **Live spans** (`withSpan`, and `trace.getTracer()` users such as the worker's handler
 *   span): coordinator and worker internals, sampled by the standard `OTEL_TRACES_SAMPLER`
 *   settings (default: parent-based, always on).
 *
 * Until `initTracing` is called (or when no OTLP endpoint is configured) every function here
 * costs one boolean check and the OpenTelemetry API stays a no-op.
 */

/** Attribute values of Baton's spans (OpenTelemetry attributes without arrays). */
export type SpanAttributes = Record<string, string | number | boolean>
/** OpenTelemetry span kinds, by name (callers need not import the OpenTelemetry API). */
export type SpanKindName = 'internal' | 'producer' | 'consumer' | 'client' | 'server'
const KIND: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
}

/** A span the caller describes completely: ids, parent, times, attributes, outcome. */
export interface EmittedSpan {
  readonly name: string
  /** 32 hex chars. */
  readonly traceId: string
  /** 16 hex chars. */
  readonly spanId: string
  /** Parent span id in the same trace; absent for the trace's root span. */
  readonly parentSpanId?: string
  readonly start: Date
  /** Clamped to `start` if earlier (clocks of different hosts). */
  readonly end: Date
  readonly kind?: SpanKindName
  readonly attributes?: SpanAttributes
  /** Points in time inside the span (e.g. when an attempt started running). */
  readonly events?: readonly { readonly name: string; readonly time: Date; readonly attributes?: SpanAttributes }[]
  /** Set for a failed outcome: the span's status becomes ERROR with this message. */
  readonly error?: string
}

/** Options of `withSpan`. */
export interface LiveSpanOptions {
  readonly kind?: SpanKindName
  readonly attributes?: SpanAttributes
  /** `traceparent` of a remote parent (a message header); otherwise the active span, if any. */
  readonly parent?: string
  /** `traceparent`s of related spans (e.g. the messages of a batch, one per distinct trace). */
  readonly links?: readonly string[]
}

interface TracingState {
  readonly live: BasicTracerProvider
  readonly emitted: BasicTracerProvider
  readonly tracer: Tracer
  readonly emitTracer: Tracer
  readonly ownsContextManager: boolean
  readonly ownsPropagator: boolean
  readonly log: Logger | undefined
}

let state: TracingState | undefined
/** The ids `emitSpan` wants for the span it is starting (startSpan is synchronous). */
const preset: { traceId?: string; spanId?: string } = {}
const random = new RandomIdGenerator()
/** Id generator of emitted spans: hands out the preset ids once, else random ones. */
const presetIds: IdGenerator = {
  generateTraceId: () => take('traceId') ?? random.generateTraceId(),
  generateSpanId: () => take('spanId') ?? random.generateSpanId(),
}
function take(key: 'traceId' | 'spanId'): string | undefined {
  const v = preset[key]
  preset[key] = undefined
  return v
}

/** A span that records nothing: what `withSpan` hands its function while tracing is off. */
const NON_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT)

/** Whether spans are being exported (a cheap check for callers that prepare span data). */
export function tracingEnabled(): boolean {
  return state !== undefined
}

/**
 * Starts exporting traces for this process when the configuration has an OTLP endpoint
 * (`config.otlpTraces`); otherwise does nothing. Registers the global tracer provider, an
 * AsyncLocalStorage context manager and the W3C propagator. Export errors go to `logger`.
 * Returns whether tracing is on. Idempotent; call once at process start.
 */
export function initTracing(serviceName: string, config: Pick<BatonConfig, 'otlpTraces'>, options: { logger?: Logger } = {}): boolean {
  if (state) return true
  if (!config.otlpTraces) return false
  const { protocol } = config.otlpTraces
  // Environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) wins over Baton's default name.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName }))
    .merge(detectResources({ detectors: [envDetector] }))
  const exporter = (): SpanExporter => (protocol === 'http/json' ? new OTLPJsonTraceExporter() : new OTLPProtobufTraceExporter())
  // Live spans: sampler and limits from OTEL_* (BasicTracerProvider reads them), random ids.
  const live = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter())] })
  // Emitted spans: always sampled, ids chosen by the caller.
  const emitted = new BasicTracerProvider({ resource, sampler: new AlwaysOnSampler(), idGenerator: presetIds, spanProcessors: [new BatchSpanProcessor(exporter())] })
  if (options.logger) {
    const log = options.logger.child({ component: 'otel' })
    diag.setLogger(
      { error: (m, ...a) => log.warn({ details: a.map(String) }, m), warn: (m, ...a) => log.warn({ details: a.map(String) }, m), info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    )
  }
  const ownsContextManager = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const ownsPropagator = propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(live)
  state = { live, emitted, tracer: live.getTracer('baton'), emitTracer: emitted.getTracer('baton'), ownsContextManager, ownsPropagator, log: options.logger }
  return true
}

/** Exports what is buffered and stops tracing (process shutdown). Never throws. */
export async function shutdownTracing(): Promise<void> {
  const s = state
  if (!s) return
  state = undefined
  await Promise.allSettled([s.live.shutdown(), s.emitted.shutdown()])
  trace.disable()
  if (s.ownsContextManager) context.disable()
  if (s.ownsPropagator) propagation.disable()
}

/** Logs a failure of the tracing layer itself (to the logger given to `initTracing`). */
export function reportTracingError(e: unknown, message: string): void {
  state?.log?.warn({ err: toError(e) }, message)
}

/**
 * Emits a span that has already ended, with the given ids and times. Used for the spans of a
 * run's trace, which the coordinator writes after commit when a run or an attempt ends.
 */
export function emitSpan(span: EmittedSpan): void {
  const s = state
  if (!s) return
  const parent = span.parentSpanId
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
    : ROOT_CONTEXT
  preset.traceId = span.traceId
  preset.spanId = span.spanId
  let started: Span
  try {
    started = s.emitTracer.startSpan(span.name, { kind: KIND[span.kind ?? 'internal'], startTime: span.start, ...(span.attributes ? { attributes: span.attributes } : {}) }, parent)
  } finally {
    preset.traceId = undefined
    preset.spanId = undefined
  }
  for (const e of span.events ?? []) started.addEvent(e.name, e.attributes ?? {}, e.time)
  if (span.error !== undefined) started.setStatus({ code: SpanStatusCode.ERROR, message: span.error })
  started.end(span.end.getTime() < span.start.getTime() ? span.start : span.end)
}

/**
 * Runs `fn` inside a live span (child of `options.parent`, else of the active span), ends it
 * when `fn` settles, and marks it ERROR when `fn` throws. With tracing off, `fn` gets a
 * non-recording span and nothing else happens.
 */
export async function withSpan<T>(name: string, options: LiveSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const s = state
  if (!s) return fn(NON_RECORDING)
  const links = (options.links ?? []).flatMap((tp): Link[] => {
    const sc = remoteContext(tp)
    return sc ? [{ context: sc }] : []
  })
  const remote = options.parent ? remoteContext(options.parent) : undefined
  const parent: Context = remote ? trace.setSpanContext(context.active(), remote) : context.active()
  return s.tracer.startActiveSpan(name, { kind: KIND[options.kind ?? 'internal'], ...(options.attributes ? { attributes: options.attributes } : {}), links }, parent, async (span) => {
    try {
      return await fn(span)
    } catch (e) {
      const err = toError(e)
      span.recordException(err)
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message })
      throw e
    } finally {
      span.end()
    }
  })
}

function remoteContext(traceparent: string): { traceId: string; spanId: string; traceFlags: number; isRemote: true } | undefined {
  const p = parseTraceparent(traceparent)
  return p ? { traceId: p.traceId, spanId: p.spanId, traceFlags: p.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true } : undefined
}
