import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { attemptSpanId, runSpanId, traceIdForRun } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { runBaton, startBaton, type BatonProcess } from '../support/processes.js'

// One trace per run, across a `baton coordinator` and a `baton worker` child process, as an
// OTLP/HTTP receiver sees it: the exporters' real requests (OTLP JSON), decoded here.

/** A span as received, with the service that sent it. */
interface ReceivedSpan {
  readonly service: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly start: bigint
  readonly end: bigint
  readonly attributes: Record<string, string | number | boolean>
  readonly statusCode: number
  readonly events: readonly { name: string; time: bigint }[]
  readonly links: readonly { traceId: string; spanId: string }[]
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
type OtlpAttribute = { key: string; value: OtlpValue }
interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] }
    scopeSpans: {
      spans: {
        traceId: string
        spanId: string
        parentSpanId?: string
        name: string
        startTimeUnixNano: string
        endTimeUnixNano: string
        attributes?: OtlpAttribute[]
        events?: { name: string; timeUnixNano: string }[]
        links?: { traceId: string; spanId: string }[]
        status?: { code?: number }
      }[]
    }[]
  }[]
}

function attributeValue(v: OtlpValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.boolValue !== undefined) return v.boolValue
  if (v.doubleValue !== undefined) return v.doubleValue
  throw new Error(`unexpected attribute value ${JSON.stringify(v)}`)
}
function attributes(list: readonly OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, attributeValue(a.value)]))
}

/** An OTLP/HTTP traces receiver (`POST /v1/traces`, JSON encoding) keeping every span. */
async function startReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[]; requests: { contentType: string | undefined }[] }> {
  const spans: ReceivedSpan[] = []
  const requests: { contentType: string | undefined }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end()
        return
      }
      requests.push({ contentType: req.headers['content-type'] })
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraceRequest
      for (const rs of body.resourceSpans) {
        const service = String(attributes(rs.resource.attributes)['service.name'])
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              start: BigInt(s.startTimeUnixNano),
              end: BigInt(s.endTimeUnixNano),
              attributes: attributes(s.attributes),
              statusCode: s.status?.code ?? 0,
              events: (s.events ?? []).map((e) => ({ name: e.name, time: BigInt(e.timeUnixNano) })),
              links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            })
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests }
}

let ns: TestNamespace
let receiver: Awaited<ReturnType<typeof startReceiver>>
let env: Record<string, string>
const procs: BatonProcess[] = []
const QUEUE = 'traced'
const HANDLERS = new URL('./fixtures/tracing-handlers.ts', import.meta.url).pathname

before(async () => {
  ns = await createTestNamespace('tracing')
  receiver = await startReceiver()
  env = {
    ...ns.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  }
  procs.push(startBaton(['coordinator'], env), startBaton(['worker', '--queue', QUEUE, '--handlers', HANDLERS], env))
})
after(async () => {
  for (const p of procs) await p.kill('SIGTERM')
  await new Promise((resolve) => receiver.server.close(resolve))
  await ns.close()
  await assertNoLeaks()
})

test('a run is one trace: the run span, a span per attempt under it, each worker handler span under its attempt', async () => {
  await deploy(ns, {
    name: 'traced_revenue',
    tasks: {
      extract: { queue: QUEUE },
      load: { queue: QUEUE, after: ['extract'] },
      check: { queue: QUEUE, after: ['extract'], retry: { attempts: 2, backoff: '100ms', jitter: false } },
    },
  })
  const runId = await trigger(ns, 'traced_revenue', { partition: '2026-06-01' })
  const run = await waitForRun(ns, runId, 60_000)
  assert.equal(run.status, 'succeeded', procs.map((p) => p.output()).join('\n'))
  assert.equal(run.tasks.find((t) => t.id === 'check')!.attempts, 2)

  const traceId = traceIdForRun(runId)
  const runSpan = runSpanId(runId)
  const attempts = [
    { task: 'extract', attempt: 1 },
    { task: 'load', attempt: 1 },
    { task: 'check', attempt: 1 },
    { task: 'check', attempt: 2 },
  ].map((a) => ({ ...a, spanId: attemptSpanId(runId, a.task, a.attempt) }))

  // Poll until the run span, every attempt span and every handler span have arrived, and every
  // span of the trace has its parent in the trace (exporters flush on their own schedule).
  const trace = await eventually(
    () => {
      const inTrace = receiver.spans.filter((s) => s.traceId === traceId)
      const ids = new Set(inTrace.map((s) => s.spanId))
      const handlers = inTrace.filter((s) => s.service === 'baton-worker' && s.name.startsWith('task '))
      // The batches applying the run's task events end after the transaction that ends the run,
      // so they may arrive after the run span: wait for as many event messages as the run has
      // (a result per attempt, and the starts the workers published).
      const batchMessages = inTrace.filter((s) => s.name === 'baton.batch').reduce((n, b) => n + Number(b.attributes['baton.messages']), 0)
      const starts = inTrace.filter((s) => s.service === 'baton-worker' && s.name === 'baton.publish' && s.attributes['baton.event'] === 'started').length
      const complete = ids.has(runSpan) && attempts.every((a) => ids.has(a.spanId)) && handlers.length === attempts.length && batchMessages >= attempts.length + starts
      const nested = inTrace.every((s) => s.parentSpanId === undefined || ids.has(s.parentSpanId))
      return complete && nested ? inTrace : undefined
    },
    'the spans of the run',
    30_000,
  )
  assert.ok(receiver.requests.every((r) => r.contentType === 'application/json'), 'the exporters spoke OTLP/HTTP JSON')

  // Every span that names the run belongs to the run's trace (checked below to include the run,
  // attempt and handler spans).
  const naming = receiver.spans.filter((s) => s.attributes['baton.run_id'] === runId)
  assert.deepEqual([...new Set(naming.map((s) => s.traceId))], [traceId])

  // Exactly one root: the run span, from the coordinator, with the run's attributes.
  const roots = trace.filter((s) => s.parentSpanId === undefined)
  assert.equal(roots.length, 1, `roots: ${roots.map((r) => r.name).join(', ')}`)
  const root = roots[0]!
  assert.equal(root.spanId, runSpan)
  assert.equal(root.service, 'baton-coordinator')
  assert.equal(root.name, 'run traced_revenue')
  assert.deepEqual(
    { workflow: root.attributes['baton.workflow'], partition: root.attributes['baton.partition'], status: root.attributes['baton.status'], trigger: root.attributes['baton.trigger'] },
    { workflow: 'traced_revenue', partition: '2026-06-01', status: 'succeeded', trigger: 'manual' },
  )
  assert.equal(trace.filter((s) => s.spanId === runSpan).length, 1, 'the run span is emitted once')

  // One span per attempt, child of the run span, with its identity, placement and outcome.
  const attemptSpans = trace.filter((s) => s.name.startsWith('attempt '))
  assert.equal(attemptSpans.length, attempts.length)
  const workerIds = new Set(run.tasks.map((t) => t.workerId))
  for (const a of attempts) {
    const span = attemptSpans.find((s) => s.spanId === a.spanId)
    assert.ok(span, `span of ${a.task} attempt ${a.attempt}`)
    assert.equal(span.parentSpanId, runSpan)
    assert.equal(span.service, 'baton-coordinator')
    assert.equal(span.name, `attempt traced_revenue.${a.task}`)
    const failed = a.task === 'check' && a.attempt === 1
    assert.deepEqual(
      {
        workflow: span.attributes['baton.workflow'],
        task: span.attributes['baton.task'],
        attempt: span.attributes['baton.attempt'],
        partition: span.attributes['baton.partition'],
        queue: span.attributes['baton.queue'],
        outcome: span.attributes['baton.outcome'],
      },
      { workflow: 'traced_revenue', task: a.task, attempt: a.attempt, partition: '2026-06-01', queue: QUEUE, outcome: failed ? 'failed' : 'succeeded' },
    )
    assert.ok(workerIds.has(String(span.attributes['baton.worker'])), `worker of ${a.task}#${a.attempt}: ${span.attributes['baton.worker']}`)
    assert.equal(span.statusCode, failed ? 2 : 0, 'ERROR status on the failed attempt only')
    if (failed) assert.equal(span.attributes['baton.error.kind'], 'error')
    assert.ok(span.start <= span.end)
    assert.ok(root.start <= span.start && span.end <= root.end, `${a.task}#${a.attempt} lies within the run span`)
    const started = span.events.find((e) => e.name === 'started')
    assert.ok(started && span.start <= started.time && started.time <= span.end, 'the moment it started running is an event inside it')
  }
  // The retry starts after the failed attempt ended; load and check start after extract ended.
  const spanOf = (task: string, attempt: number): ReceivedSpan => attemptSpans.find((s) => s.spanId === attemptSpanId(runId, task, attempt))!
  assert.ok(spanOf('check', 1).end <= spanOf('check', 2).start)
  assert.ok(spanOf('extract', 1).end <= spanOf('load', 1).start)

  // Each worker handler span is the child of its attempt's span, through the command's traceparent.
  const handlerSpans = trace.filter((s) => s.service === 'baton-worker' && s.name.startsWith('task '))
  assert.equal(handlerSpans.length, attempts.length)
  const namingIds = new Set(naming.map((s) => s.spanId))
  for (const s of [root, ...attemptSpans, ...handlerSpans]) assert.ok(namingIds.has(s.spanId), `${s.name} names the run`)
  for (const a of attempts) {
    const span = handlerSpans.find((s) => s.attributes['baton.task_id'] === a.task && s.attributes['baton.attempt'] === a.attempt)
    assert.ok(span, `handler span of ${a.task}#${a.attempt}`)
    assert.equal(span.parentSpanId, a.spanId)
    assert.equal(span.statusCode, a.task === 'check' && a.attempt === 1 ? 2 : 0)
  }

  // Internals are in the trace too: the worker's result publishes under its handler spans, and
  // the coordinator's batch (applying a task event) under the handler span named by the event,
  // with its transaction and outbox publish inside.
  const handlerIds = new Set(handlerSpans.map((s) => s.spanId))
  const workerPublishes = trace.filter((s) => s.service === 'baton-worker' && s.name === 'baton.publish')
  assert.ok(workerPublishes.every((s) => handlerIds.has(s.parentSpanId!)))
  // Exactly one result publish per attempt, and a `started` only for a handler that outlived the
  // deferred start (50 ms; these handlers are instant, but a loaded machine may hold one longer).
  // Heartbeats are not spanned.
  let starts = 0
  for (const a of attempts) {
    const handler = handlerSpans.find((s) => s.attributes['baton.task_id'] === a.task && s.attributes['baton.attempt'] === a.attempt)!
    const events = workerPublishes.filter((s) => s.parentSpanId === handler.spanId).map((s) => s.attributes['baton.event'])
    assert.deepEqual(events.filter((e) => e !== 'started'), [a.task === 'check' && a.attempt === 1 ? 'failed' : 'succeeded'], `publishes of ${a.task}#${a.attempt}`)
    const started = events.length - 1
    assert.ok(started <= 1, `${started} starts of ${a.task}#${a.attempt}`)
    starts += started
  }
  // Every task event of the run (each result, and the starts published) was applied in a batch
  // of its trace; how they were grouped into batches depends on timing.
  const batches = trace.filter((s) => s.service === 'baton-coordinator' && s.name === 'baton.batch')
  assert.ok(batches.every((s) => handlerIds.has(s.parentSpanId!)))
  assert.equal(batches.reduce((n, b) => n + Number(b.attributes['baton.messages']), 0), attempts.length + starts)
  const extractHandler = handlerSpans.find((s) => s.attributes['baton.task_id'] === 'extract')!
  const dispatching = batches.find((b) => b.parentSpanId === extractHandler.spanId && trace.some((s) => s.parentSpanId === b.spanId && s.name === 'baton.publish'))
  assert.ok(dispatching, 'the batch applying extract’s success publishes the commands of load and check')
  const transaction = trace.find((s) => s.parentSpanId === dispatching.spanId && s.name === 'baton.transaction')
  // Extract's success, load and check queued; the same batch may also have applied extract's start.
  assert.ok(transaction && Number(transaction.attributes['baton.transitions']) >= 3, `transitions: ${transaction?.attributes['baton.transitions']}`)
  // The retry timer fires under the failed attempt's span.
  const timers = trace.find((s) => s.name === 'baton.timers' && s.parentSpanId === spanOf('check', 1).spanId)
  assert.ok(timers, 'the retry timer batch is a child of the attempt it retries')
  for (const s of trace) assert.ok(s.start <= s.end, `${s.name} starts before it ends`)
  // The transaction that created the run (its request has a trace of its own) links to the run's span.
  await eventually(
    () => receiver.spans.some((s) => s.name === 'baton.transaction' && s.traceId !== traceId && s.links.some((l) => l.traceId === traceId && l.spanId === runSpan)),
    'a link from the creating transaction to the run span',
  )

  // The CLI names the trace, and links to it when BATON_TRACE_URL is set.
  const cliEnv = { ...ns.env, BATON_TRACE_URL: 'http://jaeger.test:16686/trace/{traceId}' }
  const json = await runBaton(['run', runId, '--json'], cliEnv)
  assert.equal(json.code, 0, json.stderr)
  const shown = JSON.parse(json.stdout) as { traceId: string; traceUrl: string }
  assert.equal(shown.traceId, traceId)
  assert.equal(shown.traceUrl, `http://jaeger.test:16686/trace/${traceId}`)
  const human = await runBaton(['run', runId], cliEnv)
  assert.match(human.stdout, new RegExp(`^trace {6}http://jaeger\\.test:16686/trace/${traceId}$`, 'm'))
  const plain = await runBaton(['run', runId], ns.env)
  assert.match(plain.stdout, new RegExp(`^trace {6}${traceId}$`, 'm'))
})
