import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger, decodeJson, subjectsFor, type JetStreamClient, type NatsConnection, type TaskLogBatch } from '@baton/shared'
import { createTaskLogPublisher } from './task-log-publisher.js'

const RUN = '0197a3c2-5b1e-7c3a-9f4e-2d8b6a1c0e55'

/** A JetStream stand-in whose publish fails while `down` is set, and records what it stored. */
function fakeNats() {
  const state = { down: false, stored: [] as Array<{ subject: string; msgID: string; batch: TaskLogBatch }> }
  const js = {
    publish: async (subject: string, data: Uint8Array, opts: { msgID: string }) => {
      await new Promise((r) => setImmediate(r))
      if (state.down) throw new Error('503 no responders')
      state.stored.push({ subject, msgID: opts.msgID, batch: decodeJson(data) as TaskLogBatch })
      return { seq: state.stored.length, stream: 'NS_LOGS', duplicate: false }
    },
  } as unknown as JetStreamClient
  const nc = { isClosed: () => false } as unknown as NatsConnection
  return { js, nc, state }
}

function memoryLogger() {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>)
      cb()
    },
  })
  return { logger: createLogger({ level: 'info', destination }), lines }
}

function publisher(nats: ReturnType<typeof fakeNats>, logger: ReturnType<typeof memoryLogger>['logger'], extra: { maxBytes?: number; maxPendingBytes?: number } = {}) {
  return createTaskLogPublisher({ ...nats, subjects: subjectsFor('ns'), logger, queue: 'q', workerId: 'w1', maxBytes: extra.maxBytes ?? 1024 * 1024, ...(extra.maxPendingBytes ? { maxPendingBytes: extra.maxPendingBytes } : {}) })
}

test('batches go to the attempt subject with their id as Nats-Msg-Id', async () => {
  const nats = fakeNats()
  const p = publisher(nats, memoryLogger().logger)
  const log = p.open({ runId: RUN, taskId: 'load', attempt: 3 }, '00-0197a3c25b1e7c3a9f4e2d8b6a1c0e55-4f1d2c3b5a697887-01')
  log.write('stdout', 'info', 'hello')
  assert.equal(await log.flush(1000), true)
  assert.deepEqual(nats.state.stored.map((s) => [s.subject, s.msgID, s.batch.records[0]!.msg]), [[`ns.logs.${RUN}.load.3`, `${RUN}.load.3.1`, 'hello']])
  await p.close(1000)
})

test('while NATS refuses batches nothing waits long, the buffer stays bounded, and drops are logged once and reported in the log', async () => {
  const nats = fakeNats()
  const mem = memoryLogger()
  const p = publisher(nats, mem.logger, { maxPendingBytes: 4096 })
  nats.state.down = true
  const log = p.open({ runId: RUN, taskId: 'load', attempt: 1 }, '00-0197a3c25b1e7c3a9f4e2d8b6a1c0e55-4f1d2c3b5a697887-01')
  log.write('stdout', 'info', 'first')
  assert.equal(await log.flush(200), false, 'flush gives up at its timeout')
  for (let i = 0; i < 200; i++) {
    log.write('stdout', 'info', `line ${i} ${'x'.repeat(50)}`)
    await log.flush(0)
  }
  const started = Date.now()
  assert.equal(await log.flush(5000), false)
  assert.ok(Date.now() - started < 100, 'once NATS is known to be refusing, flush does not wait')
  assert.equal(mem.lines.filter((l) => String(l.msg).startsWith('dropping task log records')).length, 1)
  assert.equal(mem.lines.filter((l) => String(l.msg).startsWith('cannot publish task logs yet')).length, 1)

  nats.state.down = false
  log.write('stdout', 'info', 'after the outage')
  const msgs = async () => nats.state.stored.flatMap((s) => s.batch.records.map((r) => r.msg))
  for (let i = 0; i < 100 && !(await msgs()).includes('after the outage'); i++) await new Promise((r) => setTimeout(r, 50))
  const got = await msgs()
  assert.equal(got[0], 'first', 'the batch that was retrying is stored first')
  assert.ok(got.some((m) => /^\d+ log records dropped: NATS was unavailable$/.test(m)))
  assert.equal(got.at(-1), 'after the outage')
  assert.ok(mem.lines.some((l) => l.msg === 'task logs are published again' && Number(l.dropped) > 0))
  await p.close(1000)
})

test('close gives pending batches a bounded time, then drops them', async () => {
  const nats = fakeNats()
  const p = publisher(nats, memoryLogger().logger)
  nats.state.down = true
  const log = p.open({ runId: RUN, taskId: 'load', attempt: 1 }, '00-0197a3c25b1e7c3a9f4e2d8b6a1c0e55-4f1d2c3b5a697887-01')
  log.write('stdout', 'info', 'never stored')
  log.close()
  const started = Date.now()
  await p.close(300)
  assert.ok(Date.now() - started < 2000)
  assert.equal(nats.state.stored.length, 0)
})

test('maxBytes 0 captures nothing', async () => {
  const nats = fakeNats()
  const p = publisher(nats, memoryLogger().logger, { maxBytes: 0 })
  const log = p.open({ runId: RUN, taskId: 'load', attempt: 1 }, '00-0197a3c25b1e7c3a9f4e2d8b6a1c0e55-4f1d2c3b5a697887-01')
  log.write('stdout', 'info', 'ignored')
  assert.equal(await log.flush(100), true)
  assert.equal(nats.state.stored.length, 0)
  await p.close(100)
})
