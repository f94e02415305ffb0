import type { Logger } from '@baton/shared'

/**
 * Runs `tick` every `intervalMs` until stopped; immediately again when it reports more work.
 * A failing tick is logged and retried on the next interval (Postgres or NATS may be briefly
 * down), never crashing the process. Decisions live in Postgres, not in this timer.
 */
export class PeriodicJob {
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = false
  #failures = 0
  #busy = false
  #again = false

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<boolean | void>,
    private readonly log: Logger,
  ) {}

  /** Starts ticking (first tick right away). */
  start(): void {
    this.#schedule(0)
  }

  #schedule(delay: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#running = this.#run()
    }, delay)
  }

  /** Ticks as soon as it can: at once when idle, right after the tick in progress otherwise. */
  runNow(): void {
    if (this.#stopped) return
    if (this.#busy) {
      this.#again = true
      return
    }
    clearTimeout(this.#timer)
    this.#schedule(0)
  }

  async #run(): Promise<void> {
    let more = false
    this.#busy = true
    this.#again = false
    try {
      more = (await this.tick()) === true
      if (this.#failures > 0) this.log.info({ job: this.name }, 'recovered')
      this.#failures = 0
    } catch (e) {
      if (this.#failures++ === 0) this.log.warn({ err: e, job: this.name }, 'periodic job failed; retrying')
    }
    this.#busy = false
    this.#schedule(more || this.#again ? 0 : Math.min(this.intervalMs * 2 ** Math.min(this.#failures, 4), 5000))
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
  }
}
