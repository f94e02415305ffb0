import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../config.js'
import { ValidationError } from '../errors.js'
import { attemptSpanId, runSpanId, traceIdForRun, traceparentFor } from './trace-context.js'
import { emitSpan, tracingEnabled, withSpan } from './tracing.js'

const RUN = '0192a7f0-1c2d-7e3f-8a4b-5c6d7e8f9a0b'

test('tracing is on only with an OTLP endpoint, and off again with the SDK switches', () => {
  assert.equal(loadConfig({}).otlpTraces, undefined)
  assert.deepEqual(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).otlpTraces, { protocol: 'http/protobuf' })
  assert.deepEqual(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).otlpTraces, { protocol: 'http/json' })
  assert.deepEqual(
    loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).otlpTraces,
    { protocol: 'http/protobuf' },
    'the traces-specific variable wins',
  )
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).otlpTraces, undefined)
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).otlpTraces, undefined)
})

test('OTLP/gRPC is refused when export is on (spans sent over HTTP to a gRPC port would vanish), ignored when off', () => {
  assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), (e: unknown) => {
    assert.ok(e instanceof ValidationError)
    assert.equal(e.issues[0]!.path, 'OTEL_EXPORTER_OTLP_PROTOCOL')
    return true
  })
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).otlpTraces, undefined)
})

test('BATON_TRACE_URL must name where the trace id goes', () => {
  assert.equal(loadConfig({ BATON_TRACE_URL: 'http://jaeger:16686/trace/{traceId}' }).traceUrl, 'http://jaeger:16686/trace/{traceId}')
  assert.throws(() => loadConfig({ BATON_TRACE_URL: 'http://jaeger:16686/trace/' }), ValidationError)
})

test('span ids of a run and its attempts are derived, distinct, and valid W3C ids', () => {
  const ids = [runSpanId(RUN), attemptSpanId(RUN, 'a', 1), attemptSpanId(RUN, 'a', 2), attemptSpanId(RUN, 'b', 1)]
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/)
  assert.equal(new Set(ids).size, ids.length)
  assert.equal(runSpanId(RUN), runSpanId(RUN))
  assert.equal(traceIdForRun(RUN), '0192a7f01c2d7e3f8a4b5c6d7e8f9a0b')
  assert.equal(traceparentFor(RUN, attemptSpanId(RUN, 'a', 1)), `00-${traceIdForRun(RUN)}-${attemptSpanId(RUN, 'a', 1)}-01`)
})

test('with tracing off, emitSpan does nothing and withSpan just runs its function', async () => {
  assert.equal(tracingEnabled(), false)
  emitSpan({ name: 'run x', traceId: traceIdForRun(RUN), spanId: runSpanId(RUN), start: new Date(0), end: new Date(1) })
  const result = await withSpan('baton.batch', { attributes: { 'baton.messages': 1 } }, async (span) => {
    assert.equal(span.isRecording(), false)
    return 42
  })
  assert.equal(result, 42)
})
