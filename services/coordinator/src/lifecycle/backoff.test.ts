import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { retryDelayMs, type RetryPolicy } from './backoff.js'

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 10,
  backoffMs: 1000,
  factor: 2,
  maxBackoffMs: 60_000,
  jitter: 0,
  ...overrides,
})

/** The delay before jitter: backoff × factor^(attempt−1), capped. */
const baseOf = (p: RetryPolicy, failedAttempt: number): number => Math.min(p.maxBackoffMs, p.backoffMs * p.factor ** Math.max(0, failedAttempt - 1))

describe('retryDelayMs without jitter', () => {
  test('grows exponentially by factor from the first backoff', () => {
    const p = policy()
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelayMs(p, n, 'seed')),
      [1000, 2000, 4000, 8000, 16_000],
    )
  })

  test('honours other factors, and factor 1 is a constant delay', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => retryDelayMs(policy({ factor: 3, backoffMs: 500 }), n, 's')),
      [500, 1500, 4500],
    )
    assert.deepEqual(
      [1, 2, 7].map((n) => retryDelayMs(policy({ factor: 1 }), n, 's')),
      [1000, 1000, 1000],
    )
  })

  test('is capped at maxBackoff', () => {
    const p = policy({ maxBackoffMs: 5000 })
    assert.deepEqual(
      [1, 2, 3, 4, 5, 50].map((n) => retryDelayMs(p, n, 'seed')),
      [1000, 2000, 4000, 5000, 5000, 5000],
    )
  })

  test('a backoff above the cap starts at the cap', () => {
    assert.equal(retryDelayMs(policy({ backoffMs: 90_000, maxBackoffMs: 60_000 }), 1, 's'), 60_000)
  })

  test('attempt 0 is treated as the first attempt', () => {
    assert.equal(retryDelayMs(policy(), 0, 's'), 1000)
  })

  test('a zero backoff gives zero, with or without jitter', () => {
    assert.equal(retryDelayMs(policy({ backoffMs: 0 }), 3, 's'), 0)
    assert.equal(retryDelayMs(policy({ backoffMs: 0, jitter: 0.5 }), 3, 's'), 0)
  })

  test('returns whole milliseconds', () => {
    assert.equal(retryDelayMs(policy({ backoffMs: 333, factor: 1.5 }), 3, 's'), Math.round(333 * 1.5 ** 2))
  })
})

describe('retryDelayMs with jitter', () => {
  const seeds = Array.from({ length: 200 }, (_, i) => `run-${i}:task`)

  for (const jitter of [0.1, 0.2, 0.5, 1]) {
    test(`jitter ${jitter}: every delay lies within [base × (1 − jitter), base]`, () => {
      const p = policy({ jitter, maxBackoffMs: 20_000 })
      for (const attempt of [1, 2, 3, 4, 5, 6, 9]) {
        const base = baseOf(p, attempt)
        for (const seed of seeds) {
          const d = retryDelayMs(p, attempt, seed)
          assert.ok(Number.isInteger(d), `${d} is not whole`)
          assert.ok(d >= Math.floor(base * (1 - jitter)) && d <= base, `attempt ${attempt} seed ${seed}: ${d} outside [${base * (1 - jitter)}, ${base}]`)
        }
      }
    })
  }

  test('the jitter only removes time: the capped delay never exceeds maxBackoff', () => {
    const p = policy({ jitter: 0.3, maxBackoffMs: 4000 })
    for (const seed of seeds) for (const attempt of [3, 4, 10]) assert.ok(retryDelayMs(p, attempt, seed) <= 4000)
  })

  test('is deterministic for a given seed and attempt', () => {
    const p = policy({ jitter: 0.5 })
    for (const seed of seeds.slice(0, 20)) {
      for (const attempt of [1, 2, 3]) assert.equal(retryDelayMs(p, attempt, seed), retryDelayMs({ ...p }, attempt, seed))
    }
  })

  test('differs across seeds', () => {
    const p = policy({ jitter: 0.5 })
    const delays = new Set(seeds.map((s) => retryDelayMs(p, 3, s)))
    // 200 seeds over a 2000 ms window: expect a wide spread, not a handful of values.
    assert.ok(delays.size > 100, `only ${delays.size} distinct delays across ${seeds.length} seeds`)
  })

  test('differs across attempts of the same seed (relative to their base)', () => {
    const p = policy({ jitter: 0.5, maxBackoffMs: 1000 }) // same base for every attempt
    const delays = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(p, n, 'run-1:task')))
    assert.ok(delays.size > 1, 'jitter ignores the attempt number')
  })

  test('spreads over the whole jitter window', () => {
    const p = policy({ jitter: 0.5 })
    const delays = seeds.map((s) => retryDelayMs(p, 1, s))
    assert.ok(Math.min(...delays) < 600, `min ${Math.min(...delays)}`)
    assert.ok(Math.max(...delays) > 900, `max ${Math.max(...delays)}`)
  })
})
