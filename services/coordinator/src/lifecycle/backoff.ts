import { createHash } from 'node:crypto'

/** A task's resolved retry policy. */
export interface RetryPolicy {
  readonly attempts: number
  readonly backoffMs: number
  readonly factor: number
  readonly maxBackoffMs: number
  /** Fraction of the delay that may be randomly removed (0 = none). */
  readonly jitter: number
}

/**
 * Delay before the attempt after `failedAttempt`: exponential, capped, with jitter. The jitter
 * is derived from (run, task, attempt) rather than Math.random so the state machine stays a
 * pure function and a replayed decision computes the same time.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, seed: string): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * policy.factor ** Math.max(0, failedAttempt - 1))
  if (policy.jitter <= 0 || base === 0) return Math.round(base)
  const h = createHash('sha256').update(`${seed}:${failedAttempt}`).digest()
  const u = h.readUInt32BE(0) / 0x1_0000_0000
  return Math.round(base * (1 - policy.jitter * u))
}
