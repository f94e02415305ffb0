import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UnavailableError, ValidationError } from './errors.js'
import { backoffDelayMs, retryWithBackoff, RetryAbortedError, withoutPassword } from './retry-with-backoff.js'

/** A logger that keeps its warn lines. */
function recordingLogger(): { lines: { fields: Record<string, unknown>; message: string }[]; warn(fields: object, message: string): void } {
  const lines: { fields: Record<string, unknown>; message: string }[] = []
  return { lines, warn: (fields, message) => lines.push({ fields: fields as Record<string, unknown>, message }) }
}

test('the delay doubles from 200 ms up to 5 s, with at most half of each step taken off by jitter', () => {
  const low = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, 200, 5000, () => 0))
  const high = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, 200, 5000, () => 0.999999))
  assert.deepEqual(low, [100, 200, 400, 800, 1600, 2500, 2500, 2500])
  assert.deepEqual(high, [200, 400, 800, 1600, 3200, 5000, 5000, 5000])
  assert.equal(backoffDelayMs(10_000, 200, 5000, () => 0.999999), 5000, 'huge attempt numbers stay capped')
})

test('retries a failing operation until it succeeds, logging each failure once at warn without the password', async () => {
  const log = recordingLogger()
  let calls = 0
  const value = await retryWithBackoff(
    async (attempt) => {
      calls++
      assert.equal(attempt, calls)
      if (attempt < 4) throw new UnavailableError(`connect ECONNREFUSED (try ${attempt}) postgres://baton:s3cret@db:5432/baton`)
      return 'connected'
    },
    { what: 'Postgres at postgres://baton:***@db:5432/baton', logger: log, initialDelayMs: 1, maxDelayMs: 4 },
  )
  assert.equal(value, 'connected')
  assert.equal(calls, 4)
  assert.equal(log.lines.length, 3)
  assert.deepEqual(
    log.lines.map((l) => l.fields.attempt),
    [1, 2, 3],
  )
  for (const l of log.lines) {
    assert.match(l.message, /^cannot reach Postgres at postgres:\/\/baton:\*\*\*@db:5432\/baton \(attempt \d: .*\); retrying in /)
    assert.equal(l.fields.target, 'Postgres at postgres://baton:***@db:5432/baton')
    assert.ok(typeof l.fields.retryInMs === 'number' && l.fields.retryInMs <= 4)
  }
})

test('a ValidationError is never retried', async () => {
  const log = recordingLogger()
  let calls = 0
  const bad = new ValidationError([{ path: 'BATON_NATS_URL', reason: 'not a URL' }])
  await assert.rejects(
    retryWithBackoff(
      async () => {
        calls++
        throw bad
      },
      { what: 'NATS', logger: log, initialDelayMs: 1 },
    ),
    (e) => e === bad,
  )
  assert.equal(calls, 1)
  assert.equal(log.lines.length, 0)
})

test('isRetryable decides which failures are retried', async () => {
  let calls = 0
  await assert.rejects(
    retryWithBackoff(
      async () => {
        calls++
        throw new Error(calls === 1 ? 'transient' : 'permanent')
      },
      { what: 'X', initialDelayMs: 1, isRetryable: (e) => e.message === 'transient' },
    ),
    /permanent/,
  )
  assert.equal(calls, 2)
})

test('aborting during the wait between attempts rejects at once with a RetryAbortedError', async () => {
  const controller = new AbortController()
  const started = Date.now()
  const pending = retryWithBackoff(
    async () => {
      throw new UnavailableError('down')
    },
    { what: 'NATS at nats://127.0.0.1:4222', signal: controller.signal, initialDelayMs: 60_000 },
  )
  setTimeout(() => controller.abort(), 20)
  await assert.rejects(pending, (e) => e instanceof RetryAbortedError && (e as RetryAbortedError).code === 'RETRY_ABORTED' && /NATS at nats:\/\/127\.0\.0\.1:4222/.test((e as Error).message))
  assert.ok(Date.now() - started < 5000)
})

test('aborting during an attempt rejects at once; a result that arrives later is disposed of', async () => {
  const controller = new AbortController()
  let finish!: (v: { closed: boolean }) => void
  const late = { closed: false }
  let disposed: unknown
  const pending = retryWithBackoff(() => new Promise<{ closed: boolean }>((r) => (finish = r)), {
    what: 'NATS',
    signal: controller.signal,
    dispose: (c) => {
      disposed = c
      c.closed = true
    },
  })
  controller.abort()
  await assert.rejects(pending, RetryAbortedError)
  finish(late)
  await new Promise((r) => setTimeout(r, 10))
  assert.equal(disposed, late)
  assert.equal(late.closed, true)
})

test('an already aborted signal makes no attempt', async () => {
  let calls = 0
  await assert.rejects(
    retryWithBackoff(
      async () => {
        calls++
      },
      { what: 'X', signal: AbortSignal.abort() },
    ),
    RetryAbortedError,
  )
  assert.equal(calls, 0)
})

test('timeoutMs bounds the retries: the last failure is reported with how long it was tried', async () => {
  let calls = 0
  await assert.rejects(
    retryWithBackoff(
      async () => {
        calls++
        throw new Error(`refused ${calls}`)
      },
      { what: 'Postgres at db:5432', timeoutMs: 60, initialDelayMs: 5, maxDelayMs: 10 },
    ),
    (e) => e instanceof UnavailableError && /^gave up on Postgres at db:5432 after \d+ attempts in [\d.]+s: refused \d+$/.test((e as Error).message),
  )
  assert.ok(calls >= 3, `${calls} attempts`)
})

test('timeoutMs 0 makes one attempt and rethrows its failure as it is', async () => {
  const log = recordingLogger()
  const down = new UnavailableError('cannot connect to NATS at nats://127.0.0.1:1')
  let calls = 0
  await assert.rejects(
    retryWithBackoff(
      async () => {
        calls++
        throw down
      },
      { what: 'NATS', timeoutMs: 0, logger: log },
    ),
    (e) => e === down,
  )
  assert.equal(calls, 1)
  assert.equal(log.lines.length, 0, 'nothing is logged for a failure that is not retried')
})

test('bad options are a ValidationError', async () => {
  for (const bad of [{ timeoutMs: -1 }, { initialDelayMs: Number.NaN }, { maxDelayMs: -5 }]) {
    await assert.rejects(retryWithBackoff(async () => 1, { what: 'X', ...bad }), ValidationError)
  }
  assert.equal(await retryWithBackoff(async () => 1, { what: 'X', timeoutMs: Infinity }), 1)
})

test('withoutPassword hides the password of every URL and keeps the rest', () => {
  assert.equal(withoutPassword('postgres://baton:s3cret@db:5432/baton'), 'postgres://baton:***@db:5432/baton')
  assert.equal(withoutPassword('postgres://baton@db/baton'), 'postgres://baton@db/baton')
  assert.equal(withoutPassword('nats://a:p1@n1:4222,nats://b:p2@n2:4222'), 'nats://a:***@n1:4222,nats://b:***@n2:4222')
  assert.equal(withoutPassword('nats://127.0.0.1:4222'), 'nats://127.0.0.1:4222')
  assert.equal(withoutPassword('postgres://u:p%40ss@h/d'), 'postgres://u:***@h/d')
})
