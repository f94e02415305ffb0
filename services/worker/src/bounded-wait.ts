/**
 * Waiting with an upper bound and no leaked timers: every timer created here is cleared when
 * the wait ends for any reason, so a stopped worker leaves nothing on the event loop.
 */

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Waits for `promise` to settle for at most `ms`; true when it settled in time. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeUp = new AbortController()
  let settled = false
  const watched = promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  try {
    await Promise.race([watched, delay(ms, timeUp.signal)])
    return settled
  } finally {
    timeUp.abort()
  }
}
