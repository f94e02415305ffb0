import { CrashPoint, crashPoint, toError, type JsMsg, type Logger, type TaskCommand, type TaskEvent } from '@baton/shared'
import type { Ownership } from './attempt-ownership.js'
import type { TaskEventPublisher } from './result-publisher.js'

/**
 * How long `started` may be retried before the command is handed back with a nak: short of
 * the consumer's 30 s ack_wait, so the command is redelivered promptly rather than twice.
 */
const STARTED_GIVE_UP_MS = 10_000
/** Redelivery delay of a command whose `started` could not be published. */
const NAK_DELAY_MS = 1000

/**
 * What publishing an attempt's `started` decided: run it; not (the command is settled:
 * `gave_up` naked, `not_owner` acked); or `superseded` — the result came first and implies the
 * start, so the retries stopped and the command waits for the result.
 */
export type StartOutcome = 'run' | 'gave_up' | 'not_owner' | 'superseded'

/** What reporting a start needs from the attempt runner. */
export interface StartReporting {
  readonly publisher: TaskEventPublisher
  readonly confirmOwnership: (command: TaskCommand, signal: AbortSignal) => Promise<Ownership>
  readonly log: Logger
  readonly traceparent: string
  /** The attempt's signal: stops an ownership question. */
  readonly signal: AbortSignal
  /** Stops retrying `started` because the result will carry the start (deferred start only). */
  readonly superseded?: AbortSignal
}

/**
 * Publishes `started`. A worker whose `started` had to be retried, or that holds a redelivered
 * command, then asks the coordinators whether the attempt is its own (NATS may have redelivered
 * it meanwhile) and acks the command to drop it when it is not. Gives up after
 * STARTED_GIVE_UP_MS with a nak. On `run` the caller acks the command — synchronously with what
 * follows, so a worker dying before the handler most likely still held the ack frame
 * (docs/durability.md, `worker.before-handler`). Never throws.
 */
export async function reportStart(r: StartReporting, command: TaskCommand, msg: JsMsg, started: TaskEvent): Promise<StartOutcome> {
  let retried = false
  const options = { giveUpAfterMs: STARTED_GIVE_UP_MS, onRetried: () => (retried = true), ...(r.superseded ? { signal: r.superseded } : {}) }
  if (!(await r.publisher.publish(started, r.traceparent, options))) {
    if (r.superseded?.aborted) return 'superseded'
    settleCommand(msg, 'nak', r.log)
    return 'gave_up'
  }
  crashPoint(CrashPoint.workerAfterStarted)
  if (retried || msg.info.deliveryCount > 1) {
    const owner = await r.confirmOwnership(command, r.signal)
    if (owner === 'not_mine') {
      r.log.info({ deliveryCount: msg.info.deliveryCount, startRetried: retried }, 'attempt belongs to another worker; not running it')
      settleCommand(msg, 'ack', r.log)
      return 'not_owner'
    }
    if (owner === 'unknown') r.log.warn({ deliveryCount: msg.info.deliveryCount, startRetried: retried }, 'no coordinator confirmed the attempt is ours; running it (its transitions stay fenced)')
  }
  return 'run'
}

/**
 * The deferred start of a first delivery: the handler runs at once and `started` is published
 * only if it is still running `afterMs` later, so a short attempt sends its result alone (the
 * result implies the start) — one message, one PubAck and one applied event fewer per task,
 * and no wait for JetStream before the handler (docs/architecture.md, "Deferred start").
 */
export class DeferredStart {
  private timer: NodeJS.Timeout | undefined
  private reporting: Promise<StartOutcome> | undefined
  private done = false
  private readonly supersede = new AbortController()
  /** When the handler began (the worker's clock): sent with `started`, or with a result that implies it. */
  readonly startedAt = new Date().toISOString()

  /**
   * @param afterMs how long the handler runs before `started` is published
   * @param publish reports the start (`reportStart`); `superseded` fires when the result is ready first
   * @param onReported what the attempt does with the outcome: ack and start heartbeats, or abort
   */
  constructor(
    afterMs: number,
    private readonly publish: (startedAt: string, superseded: AbortSignal) => Promise<StartOutcome>,
    private readonly onReported: (outcome: StartOutcome) => void,
  ) {
    this.timer = setTimeout(() => void this.fire(), afterMs)
  }

  private fire(): Promise<StartOutcome> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.reporting ??= this.publish(this.startedAt, this.supersede.signal).then((outcome) => {
      if (outcome !== 'superseded') this.onReported(outcome)
      return outcome
    })
    return this.reporting
  }

  /**
   * Publishes `started` now, before it is due: the handler sent a heartbeat, so it runs long
   * (a heartbeat must follow the start it belongs to). Resolves with the start's outcome.
   */
  reportNow(): Promise<StartOutcome> {
    return this.done && !this.reporting ? Promise.resolve('superseded') : this.fire()
  }

  /**
   * Called once the attempt's outcome is known: cancels a `started` not yet due; stops one still
   * being retried (NATS unreachable: the result will carry the start); waits for one that is
   * being confirmed, so the result never overtakes it. Undefined: no `started` was published,
   * and the caller settles the command after the result.
   */
  async finish(): Promise<StartOutcome | undefined> {
    this.done = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.reporting) return undefined
    this.supersede.abort()
    const outcome = await this.reporting
    return outcome === 'superseded' ? undefined : outcome
  }
}

/** Acks or naks a command; a closed connection makes that impossible, and redelivery covers it. */
export function settleCommand(msg: JsMsg, verb: 'ack' | 'nak', log: Logger): void {
  try {
    if (verb === 'ack') msg.ack()
    else msg.nak(NAK_DELAY_MS)
  } catch (e) {
    log.warn({ err: toError(e), verb }, 'cannot settle the command message; it will be redelivered')
  }
}
