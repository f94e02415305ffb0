/**
 * Counts running attempts and makes the command loop wait for a free slot, so a worker never
 * runs more than its `concurrency` attempts at once.
 */
export class ConcurrencyLimit {
  readonly max: number
  #active = 0
  readonly #waiters: Array<() => void> = []

  constructor(max: number) {
    this.max = max
  }

  /** Attempts currently holding a slot. */
  get active(): number {
    return this.#active
  }

  /** Takes a slot when one is free, without waiting. */
  tryAcquire(): boolean {
    if (this.#active >= this.max) return false
    this.#active++
    return true
  }

  /** Waits for a slot; false when `signal` aborted first (no slot is held then). */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true)
    if (signal.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve(true)
      }
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(grant)
        if (i >= 0) this.#waiters.splice(i, 1)
        resolve(false)
      }
      this.#waiters.push(grant)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Frees a slot; it goes straight to the oldest waiter so the count never overshoots. */
  release(): void {
    const next = this.#waiters.shift()
    if (next) next()
    else this.#active--
  }
}
