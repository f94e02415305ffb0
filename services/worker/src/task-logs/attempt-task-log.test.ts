import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TaskLogBatch } from '@baton/shared'
import { createAttemptTaskLog, FLUSH_BYTES, MAX_RECORD_BYTES, type PendingBatch, type TaskLogTransport } from './attempt-task-log.js'

const IDS = { runId: '0197a3c2-5b1e-7c3a-9f4e-2d8b6a1c0e55', taskId: 'load', attempt: 2 }

/** An in-memory transport: records what is sent, with a buffer limit and an optional gate per send. */
function fakeTransport(options: { maxPending?: number; hold?: () => Promise<void> } = {}) {
  const sent: TaskLogBatch[] = []
  let pending = 0
  let droppedForBuffer = 0
  let truncated = 0
  const transport: TaskLogTransport = {
    reserve(bytes) {
      if (pending + bytes > (options.maxPending ?? Infinity)) return false
      pending += bytes
      return true
    },
    release(bytes) {
      pending -= bytes
    },
    async send(batch: PendingBatch) {
      await options.hold?.()
      sent.push(batch.body)
      return true
    },
    unavailable: () => false,
    droppedForBuffer(n) {
      droppedForBuffer += n
    },
    truncated() {
      truncated++
    },
    track() {},
  }
  return { transport, sent, pending: () => pending, dropped: () => droppedForBuffer, truncations: () => truncated }
}

function open(transport: TaskLogTransport, maxBytes = 1024 * 1024) {
  return createAttemptTaskLog(IDS, { subject: 'ns.logs.x.load.2', traceparent: '00-a-b-01', workerId: 'w1', maxBytes, transport })
}

const msgs = (sent: TaskLogBatch[]): string[] => sent.flatMap((b) => b.records.map((r) => r.msg))

test('records are batched in order, with consecutive seqs and ids naming the attempt', async () => {
  const t = fakeTransport()
  const log = open(t.transport)
  log.write('log', 'info', 'one', { rows: 1 })
  log.write('stdout', 'info', 'two')
  assert.equal(await log.flush(1000), true)
  log.write('stderr', 'info', 'three')
  assert.equal(await log.flush(1000), true)
  assert.deepEqual(t.sent.map((b) => [b.seq, b.id]), [
    [1, `${IDS.runId}.load.2.1`],
    [2, `${IDS.runId}.load.2.2`],
  ])
  assert.deepEqual(msgs(t.sent), ['one', 'two', 'three'])
  const first = t.sent[0]!
  assert.equal(first.workerId, 'w1')
  assert.deepEqual({ ...first.records[0], ts: 'x' }, { ts: 'x', level: 'info', stream: 'log', msg: 'one', rows: 1 })
  assert.equal(t.pending(), 0, 'the buffer is given back once sent')
})

test('a batch goes out on its own after the flush interval, or at once at FLUSH_BYTES', async () => {
  const t = fakeTransport()
  const log = open(t.transport)
  log.write('stdout', 'info', 'soon')
  await new Promise((r) => setTimeout(r, 400))
  assert.deepEqual(msgs(t.sent), ['soon'])
  const line = 'x'.repeat(1000)
  for (let i = 0; i < Math.ceil(FLUSH_BYTES / 1000); i++) log.write('stdout', 'info', line)
  await new Promise((r) => setImmediate(r))
  assert.equal(t.sent.length, 2, 'the full batch did not wait for the timer')
  log.close()
})

test('batches are sent one at a time, in order, even when sending is slow', async () => {
  let inFlight = 0
  let most = 0
  const t = fakeTransport({
    hold: async () => {
      most = Math.max(most, ++inFlight)
      await new Promise((r) => setTimeout(r, 5))
      inFlight--
    },
  })
  const log = open(t.transport)
  for (let i = 0; i < 20; i++) {
    log.write('stdout', 'info', `line ${i}`)
    void log.flush(0)
  }
  assert.equal(await log.flush(5000), true)
  assert.equal(most, 1)
  assert.deepEqual(msgs(t.sent), Array.from({ length: 20 }, (_, i) => `line ${i}`))
  assert.deepEqual(t.sent.map((b) => b.seq), Array.from({ length: 20 }, (_, i) => i + 1))
})

test('past maxBytes one truncation marker is kept, then nothing', async () => {
  const t = fakeTransport()
  const log = open(t.transport, 1000)
  for (let i = 1; i <= 100; i++) log.write('stdout', 'info', `line ${i}`)
  await log.flush(1000)
  const all = t.sent.flatMap((b) => b.records)
  const last = all.at(-1)!
  assert.match(last.msg, /^log truncated after \d+ bytes$/)
  assert.equal(last.level, 'warn')
  assert.equal(last.stream, 'log')
  const kept = all.slice(0, -1)
  assert.ok(kept.length > 3 && kept.length < 100)
  assert.ok(Buffer.byteLength(kept.map((r) => JSON.stringify(r)).join('')) <= 1000)
  assert.equal(t.truncations(), 1)
})

test('a record over MAX_RECORD_BYTES keeps the start of its message and no fields', async () => {
  const t = fakeTransport()
  const log = open(t.transport)
  log.write('log', 'info', 'y'.repeat(MAX_RECORD_BYTES * 2), { big: 'z'.repeat(1000) })
  await log.flush(1000)
  const r = t.sent[0]!.records[0]!
  assert.ok(Buffer.byteLength(JSON.stringify(r)) < MAX_RECORD_BYTES)
  assert.match(r.msg, /^y+… \[clipped: the record had \d+ bytes\]$/)
  assert.equal(r.big, undefined)
  assert.equal(r.clipped, true)
})

test('when the worker buffer is full, batches are dropped and counted, and the next stored batch says so', async () => {
  let full = true
  const t = fakeTransport()
  const reserve = t.transport.reserve
  t.transport.reserve = (bytes) => !full && reserve(bytes)
  const log = open(t.transport)
  log.write('stdout', 'info', 'lost 1')
  log.write('stdout', 'info', 'lost 2')
  await log.flush(1000)
  assert.equal(t.dropped(), 2)
  full = false
  log.write('stdout', 'info', 'kept')
  await log.flush(1000)
  assert.deepEqual(msgs(t.sent), ['2 log records dropped: NATS was unavailable', 'kept'])
  assert.equal(t.sent[0]!.seq, 1, 'a dropped batch uses no seq')
})

test('nothing is kept after close, and a field cannot overwrite ts, level, stream or msg', async () => {
  const t = fakeTransport()
  const log = open(t.transport)
  log.write('log', 'info', 'real', { msg: 'fake', stream: 'stdout', level: 'fatal', ts: 'never', other: 1 })
  log.close()
  log.write('log', 'info', 'after close')
  await log.flush(1000)
  assert.deepEqual(msgs(t.sent), ['real'])
  const r = t.sent[0]!.records[0]!
  assert.equal(r.stream, 'log')
  assert.equal(r.level, 'info')
  assert.notEqual(r.ts, 'never')
  assert.equal(r.other, 1)
})
