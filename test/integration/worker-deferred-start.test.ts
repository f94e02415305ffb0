import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test, type TestContext } from 'node:test'
import { connectNats, encodeJson, ensureStreams, jetstreamClient, publishJson, subjectsFor, type TaskCommand } from '@baton/shared'
import { startWorker, type TaskHandler, type Worker, type WorkerOptions } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort, startNats, stopProcess } from '../support/private-nats.js'
import { buildCommand, captureLogger, gate, publishCommand, TaskEventLog } from './worker-fixtures.js'

// The deferred start (docs/architecture.md): a first delivery's handler runs at once, `started`
// follows only if it is still running `startedAfterMs` later, and a result that comes first
// carries the start itself. These tests drive a real worker against real NATS, with no
// coordinator: what is checked is what the worker publishes and when it acks its command.

let ns: TestNamespace
let events: TaskEventLog
const logs = captureLogger()

before(async () => {
  ns = await createTestNamespace('worker-deferred')
  events = await TaskEventLog.open(ns)
})
after(async () => {
  await events?.close()
  await ns?.close()
  await assertNoLeaks()
})

async function start(t: TestContext, options: Omit<WorkerOptions, 'config'>): Promise<Worker> {
  const worker = await startWorker({ config: ns.config, nc: ns.nc, logger: logs.logger, ...options })
  t.after(() => worker.stop())
  return worker
}

const types = (runId: string): string[] => events.forRun(runId).map((e) => e.type)

/** The queue's consumer has nothing left: every command delivered was acked, none redelivered. */
async function assertAllAcked(queue: string): Promise<void> {
  const info = await eventually(async () => {
    const i = await ns.jsm.consumers.info(ns.subjects.commandsStream, ns.subjects.workerConsumer(queue))
    return i.num_pending === 0 && i.num_ack_pending === 0 && i
  }, `every command of ${queue} acked`)
  assert.equal(info.num_redelivered, 0, 'no command redelivered')
}

describe('deferred start', { timeout: 60_000 }, () => {
  test('an instant handler publishes its result alone, carrying when the handler started, and its command is acked once the result is stored', async (t) => {
    await start(t, { queue: 'instant', startedAfterMs: 50, handlers: { extract: () => ({ rows: 1 }) } })
    const cmd = buildCommand('instant')
    const before = Date.now()
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.deepEqual(types(cmd.runId), ['succeeded'])
    assert.deepEqual(result.output, { rows: 1 })
    assert.ok(result.startedAt, 'the result carries the start')
    const startedAt = Date.parse(result.startedAt)
    assert.ok(startedAt >= before - 1000 && startedAt <= Date.parse(result.at!), `started ${result.startedAt}, result at ${result.at}`)
    await assertAllAcked('instant')
  })

  test('a failing instant handler publishes its failure alone, carrying the start', async (t) => {
    await start(t, { queue: 'instant-fail', startedAfterMs: 50, handlers: { extract: () => Promise.reject(new Error('boom')) } })
    const cmd = buildCommand('instant-fail')
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.deepEqual(types(cmd.runId), ['failed'])
    assert.equal(result.error?.message, 'boom')
    assert.ok(result.startedAt)
    await assertAllAcked('instant-fail')
  })

  test('a handler still running after startedAfterMs publishes started (with when it began) and the command is acked then; its result carries no start', async (t) => {
    const cmd = buildCommand('long')
    let ackedWhileRunning = false
    await start(t, {
      queue: 'long',
      startedAfterMs: 50,
      handlers: {
        extract: async () => {
          await events.waitFor(cmd.runId, 'started')
          // The start is stored: the command is done with before the handler is.
          const i = await eventually(async () => {
            const info = await ns.jsm.consumers.info(ns.subjects.commandsStream, ns.subjects.workerConsumer('long'))
            return info.num_ack_pending === 0 && info
          }, 'the command acked while the handler runs')
          ackedWhileRunning = i.num_ack_pending === 0
          return 'done'
        },
      },
    })
    await publishCommand(ns, cmd)
    const result = await events.result(cmd.runId)
    assert.equal(ackedWhileRunning, true)
    assert.deepEqual(types(cmd.runId), ['started', 'succeeded'])
    const started = events.forRun(cmd.runId)[0]!
    assert.ok(started.startedAt, 'started carries when the handler began')
    // Published no sooner than startedAfterMs after the handler began (timers never fire early;
    // 5 ms for the clocks' millisecond rounding).
    assert.ok(Date.parse(started.at!) - Date.parse(started.startedAt) >= 45, `started ${started.startedAt}, published ${started.at}`)
    assert.equal(result.startedAt, undefined)
    await assertAllAcked('long')
  })

  test('a heartbeat asked for before the start is due publishes the start first, then the heartbeat', async (t) => {
    await start(t, {
      queue: 'beat-first',
      startedAfterMs: 10_000,
      handlers: {
        extract: async (ctx) => {
          await ctx.heartbeat({ progress: 0.1 })
          return 'done'
        },
      },
    })
    const cmd = buildCommand('beat-first')
    await publishCommand(ns, cmd)
    await events.result(cmd.runId)
    assert.deepEqual(types(cmd.runId), ['started', 'heartbeat', 'succeeded'])
    assert.deepEqual(events.forRun(cmd.runId)[1]!.details, { progress: 0.1 })
    await assertAllAcked('beat-first')
  })

  test('an abort notice before the start is due: nothing is published and the command is acked', async (t) => {
    const running = gate()
    const reason = gate<unknown>()
    await start(t, {
      queue: 'abort-early',
      concurrency: 1,
      startedAfterMs: 10_000,
      handlers: {
        extract: async (ctx) => {
          running.open()
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
          reason.open(ctx.signal.reason)
          return 'finished anyway'
        },
        next: () => 'next ran',
      },
    })
    const cmd = buildCommand('abort-early')
    await publishCommand(ns, cmd)
    await running.promise
    ns.nc.publish(ns.subjects.abort, encodeJson({ runId: cmd.runId, taskId: 'extract', attempt: 1, reason: 'run cancelled' }))
    assert.equal(((await reason.promise) as { kind: string }).kind, 'aborted')
    // One slot: the next command runs only after the aborted attempt is over.
    const next = buildCommand('abort-early', { taskId: 'next' })
    await publishCommand(ns, next)
    assert.equal((await events.result(next.runId)).type, 'succeeded')
    assert.deepEqual(types(cmd.runId), [])
    await assertAllAcked('abort-early')
  })
})

describe('deferred start with NATS down', { timeout: 90_000 }, () => {
  /** A private nats-server (own port and store) that can be killed without touching other tests. */
  async function privateNats(t: TestContext): Promise<{ url: string; stop: () => Promise<void>; restart: () => void; client: Awaited<ReturnType<typeof connectNats>> }> {
    const port = await freePort()
    const store = await mkdtemp(join(tmpdir(), 'baton-deferred-nats-'))
    const url = `nats://127.0.0.1:${port}`
    let server = startNats(port, store)
    t.after(async () => {
      await stopProcess(server)
      await rm(store, { recursive: true, force: true })
    })
    const client = await eventually(() => connectNats(url, 'deferred-outage-test'), 'private nats-server up')
    t.after(() => client.close())
    await ensureStreams(client, subjectsFor(ns.config.namespace))
    return { url, client, stop: () => stopProcess(server), restart: () => (server = startNats(port, store)) }
  }

  /** The task events of `runId` in the private server's stream. */
  async function storedTypes(client: Awaited<ReturnType<typeof connectNats>>, runId: string, atLeast: number): Promise<string[]> {
    const subjects = subjectsFor(ns.config.namespace)
    return eventually(async () => {
      const consumer = await jetstreamClient(client).consumers.get(subjects.eventsStream, { filter_subjects: subjects.task(runId) })
      const info = await consumer.info()
      if (info.num_pending < atLeast) {
        await consumer.delete().catch(() => {})
        return false
      }
      const seen: string[] = []
      const batch = await consumer.fetch({ max_messages: info.num_pending, expires: 2000 })
      for await (const m of batch) seen.push((m.json() as { type: string }).type)
      await consumer.delete().catch(() => {})
      return seen
    }, 'the events in the restarted stream', 30_000)
  }

  /**
   * A worker of `queue` on the private server whose start is due after 2 s (once the test has
   * surely stopped the server), running `extract`, and one command for it; returns the command.
   */
  async function workerOnPrivateNats(t: TestContext, nats: Awaited<ReturnType<typeof privateNats>>, queue: string, extract: TaskHandler): Promise<TaskCommand> {
    const worker = await startWorker({ queue, startedAfterMs: 2000, shutdownGraceMs: 1000, config: { ...ns.config, natsUrl: nats.url }, logger: logs.logger, handlers: { extract } })
    t.after(() => worker.stop())
    const cmd = buildCommand(queue)
    await publishJson(jetstreamClient(nats.client), subjectsFor(ns.config.namespace).command(queue), cmd.id, cmd, cmd.traceparent)
    return cmd
  }

  test('NATS down when the start is due and the handler finishing meanwhile: the start stops retrying, and the result, carrying the start, is published once NATS is back', async (t) => {
    const nats = await privateNats(t)
    const running = gate()
    const release = gate()
    const cmd = await workerOnPrivateNats(t, nats, 'outage-deferred', async () => {
      running.open()
      await release.promise
      return { survived: true }
    })
    await running.promise
    await nats.stop()
    await eventually(() => logs.lines().some((l) => l.msg === 'cannot publish a task event yet; retrying' && l.runId === cmd.runId && l.type === 'started'), 'the worker to retry its start')
    release.open()
    await eventually(() => logs.lines().some((l) => l.msg === 'cannot publish a task event yet; retrying' && l.runId === cmd.runId && l.type === 'succeeded'), 'the worker to retry its result')
    nats.restart()
    const seen = await storedTypes(nats.client, cmd.runId, 1)
    assert.deepEqual(seen, ['succeeded'])
  })

  test('a start JetStream cannot store within 10 s aborts the handler (start_unconfirmed) and publishes no result', async (t) => {
    const nats = await privateNats(t)
    const running = gate()
    const reason = gate<unknown>()
    const cmd = await workerOnPrivateNats(t, nats, 'unconfirmed', async (ctx) => {
      running.open()
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
      reason.open(ctx.signal.reason)
      return 'finished anyway'
    })
    await running.promise
    await nats.stop()
    const why = (await reason.promise) as { kind: string; code: string }
    assert.equal(why.kind, 'start_unconfirmed')
    assert.equal(why.code, 'ATTEMPT_START_UNCONFIRMED')
    await eventually(() => logs.lines().some((l) => l.msg === 'attempt dropped: its start was not confirmed as ours; no result published' && l.runId === cmd.runId), 'the attempt dropped')
    nats.restart()
    // The command was neither acked nor finished: JetStream still holds it for a worker.
    const subjects = subjectsFor(ns.config.namespace)
    const held = await eventually(async () => {
      const jsm = await jetstreamClient(nats.client).jetstreamManager()
      const info = await jsm.consumers.info(subjects.commandsStream, subjects.workerConsumer('unconfirmed'))
      return info.num_pending + info.num_ack_pending === 1 && info
    }, 'the command still held by JetStream', 30_000)
    assert.ok(held)
    assert.ok(!logs.lines().some((l) => l.runId === cmd.runId && l.type === 'failed'), 'no result was attempted')
  })
})
