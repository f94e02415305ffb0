import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test, type TestContext } from 'node:test'
import { connectNats, encodeJson, ensureStreams, jetstreamClient, MAX_OUTPUT_BYTES, NonRetryableError, parseTraceparent, publishJson, subjectsFor } from '@baton/shared'
import { startWorker, type TaskContext, type Worker, type WorkerOptions } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { buildCommand, captureLogger, gate, publishCommand, TaskEventLog } from './worker-fixtures.js'
import { freePort, startNats, stopProcess } from '../support/private-nats.js'

let ns: TestNamespace
let events: TaskEventLog
const logs = captureLogger()

before(async () => {
  ns = await createTestNamespace('worker-runtime')
  events = await TaskEventLog.open(ns)
})
after(async () => {
  await events?.close()
  await ns?.close()
  await assertNoLeaks()
})

/**
 * A worker on the namespace's connection, stopped when the test ends. It reports each start
 * before the handler runs (startedAfterMs 0), so every attempt's events are the same whatever
 * the machine's speed; the deferred start has its own suite (worker-deferred-start.test.ts).
 */
async function start(t: TestContext, options: Omit<WorkerOptions, 'config'>): Promise<Worker> {
  const worker = await startWorker({ config: ns.config, nc: ns.nc, logger: logs.logger, startedAfterMs: 0, ...options })
  t.after(() => worker.stop())
  return worker
}

const types = (runId: string): string[] => events.forRun(runId).filter((e) => e.type !== 'heartbeat').map((e) => e.type)

describe('worker runtime', { timeout: 60_000 }, () => {
  test('a handler success publishes started then succeeded with the output, with ctx filled from the command', async (t) => {
    let seen: TaskContext | undefined
    const worker = await start(t, {
      queue: 'success',
      handlers: {
        extract: async (ctx) => {
          seen = ctx
          ctx.log.info('extracting')
          return { rows: 42, partition: ctx.partition }
        },
      },
    })
    const cmd = buildCommand('success', { partition: '2026-06-01', params: { date: '2026-06-01' }, inputs: { up: { n: 1 } }, attempt: 2 })
    await publishCommand(ns, cmd)

    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded')
    assert.deepEqual(result.output, { rows: 42, partition: '2026-06-01' })
    assert.deepEqual(types(cmd.runId), ['started', 'succeeded'])
    for (const e of events.forRun(cmd.runId)) {
      assert.equal(e.workerId, worker.id)
      assert.equal(e.attempt, 2)
      assert.equal(e.taskId, 'extract')
    }
    const read = events.all.filter((r) => r.event.runId === cmd.runId)
    for (const r of read) {
      assert.equal(r.msgId, r.event.id, 'Nats-Msg-Id is the event id')
      assert.equal(r.subject, ns.subjects.task(cmd.runId))
      assert.equal(parseTraceparent(r.traceparent)?.traceId, parseTraceparent(cmd.traceparent)?.traceId, 'events stay in the run trace')
    }

    assert.ok(seen)
    assert.equal(seen.runId, cmd.runId)
    assert.equal(seen.workflow, 'daily_revenue')
    assert.equal(seen.partition, '2026-06-01')
    assert.deepEqual(seen.params, { date: '2026-06-01' })
    assert.deepEqual(seen.inputs, { up: { n: 1 } })
    assert.equal(seen.idempotencyKey, cmd.idempotencyKey)
    assert.equal(seen.workerId, worker.id)
    assert.equal(seen.queue, 'success')
    assert.equal(seen.signal.aborted, false)
    const line = logs.lines().find((l) => l.msg === 'extracting' && l.runId === cmd.runId)
    assert.ok(line, 'ctx.log is bound to the run')
    assert.equal(line.taskId, 'extract')
    assert.equal(line.attempt, 2)
    assert.equal(line.traceId, parseTraceparent(cmd.traceparent)?.traceId)
  })

  test('a thrown error fails the attempt retryably with kind error', async (t) => {
    await start(t, { queue: 'throws', handlers: { extract: () => Promise.reject(new Error('database is down')) } })
    const cmd = buildCommand('throws')
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.message, 'database is down')
    assert.equal(result.error?.retryable, true)
    assert.equal(result.error?.kind, 'error')
    assert.match(result.error?.stack ?? '', /database is down/)
    assert.deepEqual(types(cmd.runId), ['started', 'failed'])
  })

  test('a NonRetryableError fails the attempt without retry', async (t) => {
    await start(t, {
      queue: 'nonretry',
      handlers: {
        extract: () => {
          throw new NonRetryableError('bad input file')
        },
      },
    })
    const cmd = buildCommand('nonretry')
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.retryable, false)
    assert.equal(result.error?.message, 'bad input file')
  })

  test('an output over MAX_OUTPUT_BYTES fails with output_too_large, not retryable', async (t) => {
    await start(t, { queue: 'bigoutput', handlers: { extract: () => ({ blob: 'x'.repeat(MAX_OUTPUT_BYTES) }) } })
    const cmd = buildCommand('bigoutput')
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.kind, 'output_too_large')
    assert.equal(result.error?.retryable, false)
  })

  test('a command whose handler is unknown fails with no_handler naming handler, queue and worker', async (t) => {
    const worker = await start(t, { queue: 'nohandler', handlers: { other: () => 1 } })
    const cmd = buildCommand('nohandler', { task: { handler: 'load_raw' } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.error?.kind, 'no_handler')
    assert.equal(result.error?.retryable, false)
    assert.match(result.error?.message ?? '', /load_raw/)
    assert.match(result.error?.message ?? '', /nohandler/)
    assert.ok(result.error?.message.includes(worker.id))
  })

  test('heartbeats arrive while a task runs longer than its heartbeat interval, and ctx.heartbeat sends details', async (t) => {
    const cmd = buildCommand('beats', { task: { heartbeatMs: 300 } })
    await start(t, {
      queue: 'beats',
      handlers: {
        extract: async (ctx) => {
          await ctx.heartbeat({ progress: 0.5 })
          // Run until three automatic heartbeats (every heartbeatMs / 3) have been published.
          await eventually(() => events.forRun(cmd.runId).filter((e) => e.type === 'heartbeat' && !e.details).length >= 3, 'automatic heartbeats')
          return 'done'
        },
      },
    })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded')
    const all = events.forRun(cmd.runId).map((e) => e.type)
    assert.equal(all[0], 'started')
    assert.equal(all.at(-1), 'succeeded')
    // Exactly one heartbeat with details (ctx.heartbeat); the automatic ones kept coming while it
    // ran: the handler returned once it had seen three, and the timer (every 100 ms, on its own
    // clock) may have sent more before it stopped — how many more depends on the machine's speed,
    // so the bound is the one the handler waited for.
    const manual = events.forRun(cmd.runId).filter((e) => e.type === 'heartbeat' && e.details)
    assert.deepEqual(manual.map((e) => e.details), [{ progress: 0.5 }])
    const automatic = events.forRun(cmd.runId).filter((e) => e.type === 'heartbeat' && !e.details).length
    assert.ok(automatic >= 3, `${automatic} automatic heartbeats`)
  })

  test('an abort notice aborts the matching attempt and no result is published', async (t) => {
    const started = gate()
    const reason = gate<unknown>()
    const worker = await start(t, {
      queue: 'abort',
      concurrency: 1,
      handlers: {
        extract: async (ctx) => {
          started.open()
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
          reason.open(ctx.signal.reason)
          return 'finished anyway'
        },
        next: () => 'next ran',
      },
    })
    const cmd = buildCommand('abort')
    await publishCommand(ns, cmd)
    await started.promise
    // Notices for another worker or another attempt must not touch it; the matching one must.
    ns.nc.publish(ns.subjects.abort, encodeJson({ runId: cmd.runId, workerId: 'another-worker', reason: 'first' }))
    ns.nc.publish(ns.subjects.abort, encodeJson({ runId: cmd.runId, taskId: 'extract', attempt: 2, reason: 'second' }))
    ns.nc.publish(ns.subjects.abort, encodeJson({ runId: cmd.runId, taskId: 'extract', attempt: 1, workerId: worker.id, reason: 'third' }))
    const why = (await reason.promise) as { kind: string; code: string; message: string }
    assert.equal(why.kind, 'aborted')
    assert.equal(why.code, 'ATTEMPT_ABORTED')
    assert.match(why.message, /third/)

    // With one slot, the next command starts only once the aborted attempt is fully done, so any
    // result of the aborted attempt would be in the stream before the next one's events.
    const next = buildCommand('abort', { taskId: 'next' })
    await publishCommand(ns, next)
    assert.equal((await events.result(next.runId)).type, 'succeeded')
    assert.deepEqual(types(cmd.runId), ['started'])
  })

  test('a local execution timeout aborts the handler and fails the attempt retryably with kind timeout', async (t) => {
    const reason = gate<unknown>()
    await start(t, {
      queue: 'timeout',
      handlers: {
        extract: async (ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
          reason.open(ctx.signal.reason)
        },
      },
    })
    const cmd = buildCommand('timeout', { task: { executionMs: 200 } })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.kind, 'timeout')
    assert.equal(result.error?.retryable, true)
    assert.equal(((await reason.promise) as { kind: string }).kind, 'timeout')
  })

  test('malformed and invalid commands are terminated, logged once each, and the worker keeps working', async (t) => {
    await start(t, { queue: 'poison', handlers: { extract: () => 'ok' } })
    await ns.js.publish(ns.subjects.command('poison'), new TextEncoder().encode('{not json'), { msgID: 'poison-1' })
    await ns.js.publish(ns.subjects.command('poison'), encodeJson({ id: 'poison-2', runId: 'not-a-uuid' }), { msgID: 'poison-2' })
    const cmd = buildCommand('poison')
    await publishCommand(ns, cmd)
    assert.equal((await events.result(cmd.runId)).type, 'succeeded')

    const info = await eventually(async () => {
      const i = await ns.jsm.consumers.info(ns.subjects.commandsStream, ns.subjects.workerConsumer('poison'))
      return i.num_ack_pending === 0 && i.num_pending === 0 && i
    }, 'every command settled')
    assert.equal(info.num_redelivered, 0, 'poison is never redelivered')
    const warned = logs.lines().filter((l) => l.msg === 'terminated an invalid command message' && l.queue === 'poison')
    assert.equal(warned.length, 2)
    assert.match(String(warned[0]!.reason), /malformed JSON/)
    assert.match(String(warned[1]!.reason), /runId/)
  })

  test('at most `concurrency` handlers run at once', async (t) => {
    const concurrency = 3
    const total = 12
    let active = 0
    let started = 0
    let most = 0
    let waiting: Array<() => void> = []
    // A handler holds its slot until `concurrency` handlers run together (or every command has
    // started), so the limit is reached for sure and any overshoot would be seen.
    const wakeWhenFull = (): void => {
      if (active >= concurrency || started === total) {
        for (const w of waiting) w()
        waiting = []
      }
    }
    const commands = Array.from({ length: total }, () => buildCommand('limited'))
    // Published before the worker starts, so all of them are available at once.
    for (const c of commands) await publishCommand(ns, c)
    await start(t, {
      queue: 'limited',
      concurrency,
      handlers: {
        extract: async () => {
          active++
          started++
          most = Math.max(most, active)
          const full = new Promise<void>((resolve) => waiting.push(resolve))
          wakeWhenFull()
          await full
          active--
        },
      },
    })
    const results = await Promise.all(commands.map((c) => events.result(c.runId)))
    assert.ok(results.every((r) => r.type === 'succeeded'))
    assert.equal(started, total)
    assert.equal(most, concurrency)
  })

  test('stop() lets an attempt that finishes within the grace period succeed', async (t) => {
    const started = gate()
    const release = gate()
    const worker = await start(t, {
      queue: 'graceful',
      shutdownGraceMs: 30_000,
      handlers: {
        extract: async () => {
          started.open()
          await release.promise
          return 'finished'
        },
      },
    })
    const cmd = buildCommand('graceful')
    await publishCommand(ns, cmd)
    await started.promise
    const stopped = worker.stop()
    release.open()
    await stopped
    await worker.closed
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'succeeded')
    assert.equal(result.output, 'finished')
  })

  test('stop() aborts an attempt still running after the grace period and reports worker_shutdown', async () => {
    const started = gate()
    const reason = gate<unknown>()
    // Its own connection: the worker must drain it on stop.
    const worker = await startWorker({
      queue: 'shutdown',
      startedAfterMs: 0,
      config: ns.config,
      logger: logs.logger,
      shutdownGraceMs: 100,
      handlers: {
        extract: async (ctx) => {
          started.open()
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
          reason.open(ctx.signal.reason)
        },
      },
    })
    const cmd = buildCommand('shutdown')
    await publishCommand(ns, cmd)
    await started.promise
    await worker.stop()
    await worker.closed
    const result = await events.result(cmd.runId)
    assert.equal(result.type, 'failed')
    assert.equal(result.error?.kind, 'worker_shutdown')
    assert.equal(result.error?.retryable, true)
    assert.equal(((await reason.promise) as { kind: string }).kind, 'worker_shutdown')
    assert.deepEqual(types(cmd.runId), ['started', 'failed'])

    // A command sent after stop stays queued for the next worker.
    const later = buildCommand('shutdown')
    await publishCommand(ns, later)
    const info = await ns.jsm.consumers.info(ns.subjects.commandsStream, ns.subjects.workerConsumer('shutdown'))
    assert.equal(info.num_pending + info.num_ack_pending, 1)
    assert.equal(events.forRun(later.runId).length, 0)
  })

  test('invalid options are rejected with WORKER_OPTIONS_INVALID', async () => {
    await assert.rejects(startWorker({ queue: 'bad queue', config: ns.config, nc: ns.nc, logger: logs.logger }), (e: Error & { code?: string }) => e.code === 'WORKER_OPTIONS_INVALID')
    await assert.rejects(startWorker({ queue: 'q', concurrency: 0, config: ns.config, nc: ns.nc, logger: logs.logger }), (e: Error & { code?: string }) => e.code === 'WORKER_OPTIONS_INVALID')
    await assert.rejects(startWorker({ queue: 'q', startedAfterMs: -1, config: ns.config, nc: ns.nc, logger: logs.logger }), (e: Error & { message: string }) => /startedAfterMs/.test(e.message))
  })

  test('a result finished while NATS is down is published once NATS is back', { timeout: 60_000 }, async (t) => {
    // A private nats-server (own port and store) that can be killed without touching other files.
    const port = await freePort()
    const store = await mkdtemp(join(tmpdir(), 'baton-worker-nats-'))
    const url = `nats://127.0.0.1:${port}`
    let server = startNats(port, store)
    t.after(async () => {
      await stopProcess(server)
      await rm(store, { recursive: true, force: true })
    })
    const client = await eventually(() => connectNats(url, 'worker-outage-test'), 'private nats-server up')
    t.after(() => client.close())
    const subjects = subjectsFor(ns.config.namespace)
    await ensureStreams(client, subjects)

    const started = gate()
    const release = gate()
    const worker = await startWorker({
      queue: 'outage',
      startedAfterMs: 0,
      config: { ...ns.config, natsUrl: url },
      logger: logs.logger,
      handlers: {
        extract: async () => {
          started.open()
          await release.promise
          return { survived: true }
        },
      },
    })
    t.after(() => worker.stop())
    const cmd = buildCommand('outage')
    await publishJson(jetstreamClient(client), subjects.command('outage'), cmd.id, cmd, cmd.traceparent)
    await started.promise

    await stopProcess(server)
    release.open()
    await eventually(
      () => logs.lines().some((l) => l.msg === 'cannot publish a task event yet; retrying' && l.runId === cmd.runId && l.type === 'succeeded'),
      'the worker to retry its result',
    )
    server = startNats(port, store)

    const types = await eventually(async () => {
      const seen: string[] = []
      const consumer = await jetstreamClient(client).consumers.get(subjects.eventsStream, { filter_subjects: subjects.task(cmd.runId) })
      const info = await consumer.info()
      if (info.num_pending < 2) return false
      const batch = await consumer.fetch({ max_messages: info.num_pending, expires: 2000 })
      for await (const m of batch) seen.push((m.json() as { type: string }).type)
      await consumer.delete().catch(() => {})
      return seen.includes('succeeded') && seen
    }, 'the result in the restarted stream', 30_000)
    assert.deepEqual(types.filter((x) => x !== 'heartbeat'), ['started', 'succeeded'])
  })
})



