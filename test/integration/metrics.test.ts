import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { newId, publishJson, type BatonConfig } from '@baton/shared'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// The Prometheus endpoint of an in-process coordinator and worker (they share one endpoint, as
// in `baton dev`), scraped before and after runs: counters move by exactly what the runs did.

let ns: TestNamespace
let config: BatonConfig
let coordinator: Coordinator
let worker: Worker

/** One sample of the text format: `name{labels} value`. */
interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

function parse(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(m, `unparsable metrics line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) })
  }
  return out
}

/** The scraped samples, with a lookup summing every series of `name` whose labels include `match`. */
async function scrape(): Promise<{ samples: Sample[]; get(name: string, match?: Record<string, string>): number; has(name: string, match?: Record<string, string>): boolean }> {
  const res = await fetch(`http://127.0.0.1:${config.metricsPort}/metrics`)
  assert.equal(res.status, 200)
  const samples = parse(await res.text())
  const matching = (name: string, match: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
  return {
    samples,
    get: (name, match = {}) => matching(name, match).reduce((n, s) => n + s.value, 0),
    has: (name, match = {}) => matching(name, match).length > 0,
  }
}

before(async () => {
  ns = await createTestNamespace('metrics')
  config = { ...ns.config, metricsPort: await freePort() }
  coordinator = await startCoordinator({ config, timerIntervalMs: 50 })
  worker = await startWorker({
    config,
    nc: ns.nc,
    queue: 'metered',
    handlers: {
      // Fails its first attempt (retryable), succeeds on the second.
      flaky: async (ctx) => {
        if (ctx.attempt === 1) throw new Error('first attempt fails')
        return { attempt: ctx.attempt }
      },
      done: async () => ({ ok: true }),
    },
  })
})
after(async () => {
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
})

describe('metrics endpoint', { timeout: 60_000 }, () => {
  test('counters and histograms move by what a run with a retried task did', async () => {
    await deploy(ns, { name: 'metered', defaults: { queue: 'metered' }, tasks: { flaky: { retry: { attempts: 3, backoff: '50ms', jitter: false } }, done: { after: ['flaky'] } } })
    const wf = { workflow: 'metered' }
    const before = await scrape()
    const run = await waitForRun(ns, await trigger(ns, 'metered'))
    assert.equal(run.status, 'succeeded')

    // Metrics are recorded after commit and publish: wait for the run's last batch to be counted.
    const now = await eventually(async () => {
      const s = await scrape()
      return s.get('baton_runs_finished_total', { ...wf, status: 'succeeded' }) > before.get('baton_runs_finished_total', { ...wf, status: 'succeeded' }) && s
    }, 'the finished run to be counted')
    const delta = (name: string, match: Record<string, string> = {}) => now.get(name, match) - before.get(name, match)

    assert.equal(delta('baton_runs_started_total', { ...wf, trigger: 'manual' }), 1)
    assert.equal(delta('baton_runs_finished_total', { ...wf, status: 'succeeded' }), 1)
    assert.equal(delta('baton_runs_finished_total', { ...wf, status: 'failed' }), 0)
    assert.equal(delta('baton_task_attempts_total', { ...wf, queue: 'metered', outcome: 'succeeded' }), 2)
    assert.equal(delta('baton_task_attempts_total', { ...wf, queue: 'metered', outcome: 'failed' }), 1)
    // flaky: pending→queued→running→retrying→queued→running→succeeded; done: pending→queued→running→succeeded.
    assert.deepEqual(
      Object.fromEntries(['queued', 'running', 'retrying', 'succeeded', 'failed'].map((status) => [status, delta('baton_task_transitions_total', { ...wf, status })])),
      { queued: 3, running: 3, retrying: 1, succeeded: 2, failed: 0 },
    )
    assert.equal(delta('baton_schedule_to_start_seconds_count', { queue: 'metered' }), 3)
    assert.equal(delta('baton_task_duration_seconds_count', { ...wf, outcome: 'succeeded' }), 2)
    assert.equal(delta('baton_task_duration_seconds_count', { ...wf, outcome: 'failed' }), 1)
    // One hand-off: flaky's success dispatched done (the retry came from a timer, the first task from the request).
    assert.equal(delta('baton_handoff_latency_seconds_count', { queue: 'metered' }), 1)
    assert.equal(delta('baton_handoff_latency_seconds_bucket', { queue: 'metered', le: '+Inf' }), 1)
    assert.ok(delta('baton_event_batch_size_count') >= 1)

    // The worker's side, on the same endpoint.
    assert.equal(delta('baton_worker_attempts_total', { queue: 'metered', outcome: 'succeeded' }), 2)
    assert.equal(delta('baton_worker_attempts_total', { queue: 'metered', outcome: 'failed' }), 1)
    assert.equal(delta('baton_worker_attempt_duration_seconds_count', { queue: 'metered', ...wf }), 3)
    assert.equal(now.get('baton_worker_attempts_in_flight', { queue: 'metered' }), 0)
  })

  test('the queue gauges show commands waiting on a queue no worker takes', async () => {
    await deploy(ns, { name: 'unattended', defaults: { queue: 'nobody' }, tasks: { waits: {} } })
    await trigger(ns, 'unattended')
    const s = await eventually(async () => {
      const s = await scrape()
      return s.get('baton_queue_depth', { queue: 'nobody' }) >= 1 && s
    }, 'the unattended queue to have depth')
    assert.equal(s.get('baton_consumer_lag', { queue: 'nobody' }), 0)
    // The worked queue has a consumer with the worker polling it.
    assert.ok(s.has('baton_queue_depth', { queue: 'metered' }))
    assert.ok(s.has('baton_consumer_lag', { queue: 'metered' }))
    assert.ok(s.get('baton_queue_workers', { queue: 'metered' }) >= 1)
    // Outbox backlog and timer lag are sampled with the queues.
    assert.ok(s.has('baton_outbox_backlog'))
    assert.ok(s.get('baton_outbox_backlog') >= 0)
    assert.ok(s.has('baton_timer_lag_seconds'))
    assert.ok(s.get('baton_timer_lag_seconds') >= 0)
  })

  test('dead letters are counted by reason kind', async () => {
    const kinds = ['invalid_message', 'rejected', 'unknown_run']
    const before = await scrape()
    // Malformed JSON, a request for a workflow nobody deployed, and a result for a run that does not exist.
    await ns.js.publish(ns.subjects.runRequested, new TextEncoder().encode('{not json'), { msgID: newId() })
    const request = newId()
    await publishJson(ns.js, ns.subjects.runRequested, request, { id: request, workflow: 'never_deployed' })
    const runId = randomUUID()
    const event = newId()
    await publishJson(ns.js, ns.subjects.task(runId), event, { id: event, runId, taskId: 'ghost', attempt: 1, type: 'succeeded', workerId: 'w', output: null })
    const now = await eventually(async () => {
      const s = await scrape()
      return kinds.every((k) => s.get('baton_dead_letters_total', { reason_kind: k }) > before.get('baton_dead_letters_total', { reason_kind: k })) && s
    }, 'three dead letters to be counted')
    for (const k of kinds) assert.equal(now.get('baton_dead_letters_total', { reason_kind: k }) - before.get('baton_dead_letters_total', { reason_kind: k }), 1, k)
    const stored = await ns.db.selectFrom('dead_letters').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    assert.equal(Number(stored.n), 3)
  })

  test('the endpoint closes when the last service sharing it stops', async () => {
    await worker.stop()
    // The coordinator still serves it.
    assert.ok((await scrape()).has('baton_outbox_backlog'))
    await coordinator.stop()
    await assert.rejects(fetch(`http://127.0.0.1:${config.metricsPort}/metrics`))
  })
})
