import type { AbortNotice } from '@baton/shared'
import type { AbortKind } from './attempt-abort.js'

/** One attempt this worker is running (from just before `started` until its result is out). */
export interface InFlightAttempt {
  readonly commandId: string
  readonly runId: string
  readonly taskId: string
  readonly attempt: number
  /** Fires the attempt's AbortSignal (`detail` becomes the reason's message); later calls do nothing. */
  abort(kind: AbortKind, detail?: string): void
}

/**
 * The attempts a worker is running, for abort notices (match by run, task, attempt, worker),
 * duplicate-delivery detection (by command id) and shutdown (wait until empty).
 */
export class InFlightAttempts {
  readonly #byCommand = new Map<string, InFlightAttempt>()
  #emptyWaiters: Array<() => void> = []

  /** Number of attempts running. */
  get size(): number {
    return this.#byCommand.size
  }

  /** Registers an attempt. */
  add(attempt: InFlightAttempt): void {
    this.#byCommand.set(attempt.commandId, attempt)
  }

  /** Unregisters an attempt, waking `whenEmpty` waiters when it was the last one. */
  delete(attempt: InFlightAttempt): void {
    if (this.#byCommand.get(attempt.commandId) === attempt) this.#byCommand.delete(attempt.commandId)
    if (this.#byCommand.size === 0 && this.#emptyWaiters.length > 0) {
      const waiters = this.#emptyWaiters
      this.#emptyWaiters = []
      for (const w of waiters) w()
    }
  }

  /** True when the command (same id) is already running here: a redelivery, not new work. */
  hasCommand(commandId: string): boolean {
    return this.#byCommand.has(commandId)
  }

  /** Every running attempt. */
  all(): InFlightAttempt[] {
    return [...this.#byCommand.values()]
  }

  /** Running attempts matching every field the notice sets (`workerId` must be this worker's). */
  matching(notice: AbortNotice, workerId: string): InFlightAttempt[] {
    if (notice.workerId !== undefined && notice.workerId !== workerId) return []
    return this.all().filter(
      (a) =>
        a.runId === notice.runId &&
        (notice.taskId === undefined || a.taskId === notice.taskId) &&
        (notice.attempt === undefined || a.attempt === notice.attempt),
    )
  }

  /** Resolves once no attempt is running. */
  whenEmpty(): Promise<void> {
    if (this.#byCommand.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#emptyWaiters.push(resolve))
  }
}
