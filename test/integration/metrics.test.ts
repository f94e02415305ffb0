import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { newId, publishJson, setPool, type BatonConfig } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { scrapeMetrics, type Scrape } from '../support/metrics-scrape.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// The Prometheus endpoint of an in-process coordinator and worker (they share one endpoint, as
// in `baton dev`), scraped before and after runs: counters move by exactly what the runs did.

let ns: TestNamespace
let config: BatonConfig
let coordinator: Coordinator
let worker: Worker
let deferredWorker: Worker

/** A scrape of the shared endpoint. */
function scrape(): Promise<Scrape> {
  return scrapeMetrics(`http://127.0.0.1:${config.metricsPort}/metrics`)
}

before(async () => {
  ns = await createTestNamespace('metrics')
  config = { ...ns.config, metricsPort: await freePort() }
  coordinator = await startCoordinator({ config, timerIntervalMs: 50 })
  const handlers = {
    // Fails its first attempt (retryable), succeeds on the second.
    flaky: async (ctx: { attempt: number }) => {
      if (ctx.attempt === 1) throw new Error('first attempt fails')
      return { attempt: ctx.attempt }
    },
    done: async () => ({ ok: true }),
  }
  // `metered` reports every start before its handler; `metered_deferred` never has to (its
  // handlers are instant and the start is due after 10 s): each result implies its start.
  worker = await startWorker({ config, nc: ns.nc, queue: 'metered', startedAfterMs: 0, handlers })
  deferredWorker = await startWorker({ config, nc: ns.nc, queue: 'metered_deferred', startedAfterMs: 10_000, handlers })
})
after(async () => {
  await deferredWorker?.stop()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

describe('metrics endpoint', { timeout: 60_000 }, () => {
  for (const mode of [
    { queue: 'metered', starts: 3, title: 'starts reported' },
    { queue: 'metered_deferred', starts: 0, title: 'starts implied by the results' },
  ]) {
    test(`counters and histograms move by what a run with a retried task did (${mode.title})`, async () => {
      const { queue } = mode
      await deploy(ns, { name: queue, defaults: { queue }, tasks: { flaky: { retry: { attempts: 3, backoff: '50ms', jitter: false } }, done: { after: ['flaky'] } } })
      const wf = { workflow: queue }
      const before = await scrape()
      const run = await waitForRun(ns, await trigger(ns, queue))
      assert.equal(run.status, 'succeeded')

      // Metrics are recorded after commit and publish: wait for the run's last batch to be counted.
      const now = await eventually(async () => {
        const s = await scrape()
        // The worker leaves its in-flight count after publishing the result, so it may lag the run.
        const finished = s.get('baton_runs_finished_total', { ...wf, status: 'succeeded' }) > before.get('baton_runs_finished_total', { ...wf, status: 'succeeded' })
        return finished && s.get('baton_worker_attempts_in_flight', { queue }) === 0 && s
      }, 'the finished run to be counted and no attempt in flight')
      const delta = (name: string, match: Record<string, string> = {}) => now.get(name, match) - before.get(name, match)

      assert.equal(delta('baton_runs_started_total', { ...wf, trigger: 'manual' }), 1)
      assert.equal(delta('baton_runs_finished_total', { ...wf, status: 'succeeded' }), 1)
      assert.equal(delta('baton_runs_finished_total', { ...wf, status: 'failed' }), 0)
      assert.equal(delta('baton_task_attempts_total', { ...wf, queue, outcome: 'succeeded' }), 2)
      assert.equal(delta('baton_task_attempts_total', { ...wf, queue, outcome: 'failed' }), 1)
      // flaky: pending→queued→running→retrying→queued→running→succeeded; done: pending→queued→running→succeeded.
      // Without starts, each attempt goes from queued straight to its result.
      assert.deepEqual(
        Object.fromEntries(['queued', 'running', 'retrying', 'succeeded', 'failed'].map((status) => [status, delta('baton_task_transitions_total', { ...wf, status })])),
        { queued: 3, running: mode.starts, retrying: 1, succeeded: 2, failed: 0 },
      )
      // Every attempt started, whether its start was reported or implied, and ran for a measured time.
      assert.equal(delta('baton_schedule_to_start_seconds_count', { queue }), 3)
      assert.equal(delta('baton_task_duration_seconds_count', { ...wf, outcome: 'succeeded' }), 2)
      assert.equal(delta('baton_task_duration_seconds_count', { ...wf, outcome: 'failed' }), 1)
      // One hand-off: flaky's success dispatched done (the retry came from a timer, the first task from the request).
      assert.equal(delta('baton_handoff_latency_seconds_count', { queue }), 1)
      assert.equal(delta('baton_handoff_latency_seconds_bucket', { queue, le: '+Inf' }), 1)
      // Every event of the run applied in some batch: its request, the starts, three results.
      // How they were split into batches depends on timing: at least one batch, at most one each.
      const events = 1 + mode.starts + 3
      assert.equal(delta('baton_event_batch_size_sum'), events)
      const batches = delta('baton_event_batch_size_count')
      assert.ok(batches >= 1 && batches <= events, `${batches} batches`)
      // Batches of task events alone are tried without locks: the starts and flaky's failure are
      // applied that way; done's success finishes the run (its alerts, SLA), which only the locked
      // path writes. The run request's batch is never tried.
      const optimistic = (outcome: string) => delta('baton_optimistic_batches_total', { outcome })
      assert.ok(optimistic('applied') >= 1, `${optimistic('applied')} applied optimistically`)
      assert.ok(optimistic('needs_lock') >= 1, 'the run-finishing batch needed the locks')
      assert.ok(optimistic('applied') + optimistic('conflict') + optimistic('needs_lock') <= batches - 1, 'only batches of task events are tried')

      // The worker's side, on the same endpoint.
      assert.equal(delta('baton_worker_attempts_total', { queue, outcome: 'succeeded' }), 2)
      assert.equal(delta('baton_worker_attempts_total', { queue, outcome: 'failed' }), 1)
      assert.equal(delta('baton_worker_attempt_duration_seconds_count', { queue, ...wf }), 3)
      assert.equal(now.get('baton_worker_attempts_in_flight', { queue }), 0)
    })
  }

  test('the queue gauges show commands waiting on a queue no worker takes', async () => {
    await deploy(ns, { name: 'unattended', defaults: { queue: 'nobody' }, tasks: { waits: {} } })
    await trigger(ns, 'unattended')
    // Its one command, published (the outbox emptied), waits undelivered; no timer is due.
    await eventually(async () => {
      const outbox = await ns.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      const due = await ns.db.selectFrom('timers').select('id').where('fire_at', '<=', new Date()).execute()
      return Number(outbox.n) === 0 && due.length === 0
    }, 'the command published and no timer due')
    const s = await eventually(async () => {
      const s = await scrape()
      return s.get('baton_queue_depth', { queue: 'nobody' }) > 0 && s
    }, 'the unattended queue to have depth')
    // `get` sums the series it finds (0 when there is none): each gauge is checked to be there too.
    const gauge = (name: string, queue?: string): number => {
      const match: Record<string, string> = queue === undefined ? {} : { queue }
      assert.ok(s.has(name, match), `${name}${queue === undefined ? '' : ` of queue ${queue}`} is sampled`)
      return s.get(name, match)
    }
    assert.equal(gauge('baton_queue_depth', 'nobody'), 1)
    assert.equal(gauge('baton_consumer_lag', 'nobody'), 0)
    assert.equal(gauge('baton_queue_workers', 'nobody'), 0)
    // The worked queue has a consumer with the worker polling it: nothing waiting, nothing
    // unacknowledged. `workers` counts the pull requests waiting on the consumer, and one worker
    // may have more than one out: at least one, not exactly one.
    assert.equal(gauge('baton_queue_depth', 'metered'), 0)
    assert.equal(gauge('baton_consumer_lag', 'metered'), 0)
    assert.ok(gauge('baton_queue_workers', 'metered') >= 1)
    // Outbox backlog and timer lag are sampled with the queues: here, nothing pending, nothing late.
    assert.equal(gauge('baton_outbox_backlog'), 0)
    assert.equal(gauge('baton_outbox_oldest_seconds'), 0)
    assert.equal(gauge('baton_timer_lag_seconds'), 0)
    assert.equal(gauge('baton_events_waiting'), 0)
  })

  test('the gauges show an outbox row left unpublished for an hour, and events a coordinator cannot apply while their run is locked', async () => {
    // A row another relay leased and never published, committed an hour ago by the database's clock.
    const [row] = await sql<{ id: string }>`
      INSERT INTO outbox (transport, subject, msg_id, payload, created_at, relay_leased_until)
      VALUES ('jetstream', ${`${ns.subjects.commandsStream}.unused`}, ${newId()}, '{}'::jsonb, now() - interval '1 hour', now() + interval '1 hour')
      RETURNING id`.execute(ns.db).then((r) => r.rows)
    try {
      const s = await eventually(async () => {
        const s = await scrape()
        return s.get('baton_outbox_backlog') === 1 && s
      }, 'the leased row in the backlog')
      const age = s.get('baton_outbox_oldest_seconds')
      assert.ok(age >= 3600 && age < 3600 + 60, `oldest row ${age} s old`)
    } finally {
      await ns.db.deleteFrom('outbox').where('id', '=', row!.id).execute()
    }

    // A run whose row the test holds locked: its cancellation waits in the coordinator's batch,
    // delivered and not acknowledged, and the cancellations behind it wait undelivered or in the
    // same batch. Once the lock goes, all are applied and nothing waits.
    await deploy(ns, { name: 'locked', defaults: { queue: 'nobody' }, tasks: { waits: {} } })
    const runId = await trigger(ns, 'locked')
    await eventually(async () => (await ns.db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst())?.status === 'running', 'the run to start')
    await ns.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM runs WHERE id = ${runId} FOR UPDATE`.execute(trx)
      for (let i = 0; i < 3; i++) {
        const id = newId()
        await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId, reason: 'metrics test' })
      }
      await eventually(async () => (await scrape()).get('baton_events_waiting') >= 1, 'events waiting behind the lock')
    })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'cancelled')
    await eventually(async () => (await scrape()).get('baton_events_waiting') === 0, 'nothing waiting once applied')
  })

  test("the pool gauges show a pool's size, the slots held and an attempt waiting an hour, and all of it released when the run is cancelled", async () => {
    await setPool(ns.db, { name: 'gauged', slots: 2 }, 'metrics test')
    // Nobody takes queue `nobody`: `first` holds both slots with its command waiting for a worker,
    // `second` (parallel to it) waits for the pool.
    await deploy(ns, { name: 'pooled', defaults: { queue: 'nobody' }, tasks: { first: { pool: 'gauged', slots: 2 }, second: { pool: 'gauged', slots: 2 } } })
    const runId = await trigger(ns, 'pooled')
    await eventually(async () => (await ns.db.selectFrom('task_slot_waits').select('task_id').where('run_id', '=', runId).execute()).length === 1, 'one task waiting for the pool')
    // As if it had waited an hour, by the database's clock.
    await sql`UPDATE task_slot_waits SET enqueued_at = now() - interval '1 hour' WHERE run_id = ${runId}`.execute(ns.db)
    const pool = { pool: 'gauged' }
    const s = await eventually(async () => {
      const s = await scrape()
      return s.get('baton_pool_oldest_wait_seconds', pool) >= 3600 && s
    }, 'the hour-long wait sampled')
    for (const name of ['baton_pool_slots', 'baton_pool_slots_used', 'baton_pool_waiting', 'baton_pool_oldest_wait_seconds']) assert.ok(s.has(name, pool), `${name} of pool gauged is sampled`)
    assert.equal(s.get('baton_pool_slots', pool), 2)
    assert.equal(s.get('baton_pool_slots_used', pool), 2)
    assert.equal(s.get('baton_pool_waiting', pool), 1)
    assert.ok(s.get('baton_pool_oldest_wait_seconds', pool) < 3600 + 60, `oldest wait ${s.get('baton_pool_oldest_wait_seconds', pool)} s`)

    // Cancelling the run releases the hold and drops the wait: the pool shows empty.
    const id = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId, reason: 'metrics test' })
    assert.equal((await waitForRun(ns, runId)).status, 'cancelled')
    const after = await eventually(async () => {
      const s = await scrape()
      return s.get('baton_pool_slots_used', pool) === 0 && s
    }, 'the slots released')
    assert.equal(after.get('baton_pool_slots', pool), 2)
    assert.equal(after.get('baton_pool_waiting', pool), 0)
    assert.equal(after.get('baton_pool_oldest_wait_seconds', pool), 0)
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
    await deferredWorker.stop()
    // The coordinator still serves it.
    assert.ok((await scrape()).has('baton_outbox_backlog'))
    await coordinator.stop()
    await assert.rejects(fetch(`http://127.0.0.1:${config.metricsPort}/metrics`))
  })
})
