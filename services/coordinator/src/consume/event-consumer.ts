import { CrashPoint, DURABLE_CONSUME_OPTIONS, crashPoint, type Db, type JetStreamClient, type JsMsg, type Logger, type Subjects } from '@baton/shared'
import type { ApplyContext, BackfillItem, BatchInput, LandingItem, RunEventItem, RunRequestItem } from '../apply/apply-batch.js'
import type { PauseItem } from '../apply/pauses.js'
import { insertDeadLetters } from '../db/dead-letters.js'
import { isTransientDbError } from '../db/pg-errors.js'
import { GuardedWriteError } from '../db/batch-write.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { parseEventMessage, type ParsedMessage } from './parse-message.js'
import { tracedApplyBatch, tracedPublish, withBatchSpan } from '../telemetry/shell-spans.js'
import { recordDeadLetters, recordEventBatch } from '../telemetry/batch-metrics.js'

/** Ack wait of the shared coordinator consumer: how soon a dead coordinator's events are redelivered. */
export const COORDINATOR_ACK_WAIT_MS = 2000

/**
 * How long a batch made only of `started` and `heartbeat` events waits for more events to join
 * it. A short task's `succeeded` follows its `started` by well under a millisecond: applied
 * together they take one transaction instead of two, and the hand-off to the next task no longer
 * waits behind the start's transaction (issue 11: `make bench` hand-off p50 6.2 → 5.0 ms).
 * A start applied a few milliseconds later changes nothing anybody waits for.
 */
export const START_HOLD_MS = 5

/** Deliveries after which a message that keeps failing to apply is dead-lettered. */
const MAX_APPLY_DELIVERIES = 5
const dec = new TextDecoder()

/** What the consumer needs. */
export interface EventConsumerDeps {
  readonly db: Db
  readonly js: JetStreamClient
  readonly subjects: Subjects
  readonly definitions: DefinitionCache
  readonly publisher: OutboxPublisher
  readonly log: Logger
  /** Largest number of messages applied in one transaction. */
  readonly batchMax?: number
  /** Most partitions one backfill may span. */
  readonly backfillMaxPartitions?: number
  /** Alert routing for failures seen in batches. */
  readonly alerting?: ApplyContext['alerting']
  /** How long a batch of only `started`/`heartbeat` events waits for more (default START_HOLD_MS; 0: never). */
  readonly startHoldMs?: number
  /** Apply batches of task events optimistically first (default true; apply-batch.ts). */
  readonly optimistic?: boolean
  /** Called after a committed batch that left fan-out continuations due (the timer job fires them). */
  readonly onContinuation?: () => void
  /** Attempts began waiting for slots, or slots were released: run slot admission now. */
  readonly onSlotsChanged?: () => void
  /** Called after each committed batch (metrics, benchmarks). */
  readonly onBatch?: (info: { messages: number; transitions: number }) => void
}

/**
 * Consumes `<ns>.events.>` from the shared durable consumer and applies what has arrived as
 * one batch per transaction: when idle a batch is a single event (lowest latency), under load
 * it grows to `batchMax` (fewest transactions). JetStream verbs are decided here only:
 * applied → ack; invalid → dead-letter + term; transient failure → nak with delay.
 */
export class EventConsumer {
  /** Arrived messages, each validated once on arrival. */
  #buffer: { msg: JsMsg; parsed: ParsedMessage }[] = []
  #heldSince = 0
  #wake: (() => void) | undefined
  #stopped = false
  #loop: Promise<void> | undefined
  #messages: { stop(): void; close(): Promise<void | Error> } | undefined
  #batch: JsMsg[] = []
  #keepAlive: NodeJS.Timeout | undefined
  #ended: string | undefined
  /** Per message: up to when it proves the stream delivered (see eventsAppliedUpTo). */
  #evidence = new WeakMap<JsMsg, number>()
  #appliedUpTo = 0

  constructor(private readonly deps: EventConsumerDeps) {}

  /**
   * Epoch ms up to which every event stored in the stream has been delivered to a coordinator,
   * and those delivered here applied. Timers that decide something did NOT arrive (heartbeat,
   * execution and schedule-to-start timeouts) fire only up to here: while delivery stalls (the
   * consumer's leader lost with a NATS node, NATS unreachable, a backlog) a worker's heartbeat or
   * result may be waiting in the stream, and failing its attempt would be wrong. Evidence: an
   * applied message stored at T (delivery is in stream order), an applied message with nothing
   * left pending when it arrived (now), an idle heartbeat from the server with nothing held here.
   */
  get eventsAppliedUpTo(): number {
    return this.#appliedUpTo
  }

  /** Why consumption ended on its own (the message iterator closed or failed); undefined while it runs. */
  get ended(): string | undefined {
    return this.#ended
  }

  /** Starts consuming. */
  async start(): Promise<void> {
    const { js, subjects, log } = this.deps
    const consumer = await js.consumers.get(subjects.eventsStream, subjects.coordinatorConsumer)
    const messages = await consumer.consume({ max_messages: 1000, ...DURABLE_CONSUME_OPTIONS })
    this.#messages = messages
    // The consumer's ack wait is short (a killed coordinator's unacked events come back fast);
    // messages still waiting here or in a slow transaction say they are being worked on.
    this.#keepAlive = setInterval(() => {
      for (const m of this.#batch) m.working()
      for (const b of this.#buffer) b.msg.working()
    }, COORDINATOR_ACK_WAIT_MS / 2)
    void (async () => {
      for await (const m of messages) {
        this.#evidence.set(m, m.info.pending === 0 ? Date.now() : Number(m.info.timestampNanos) / 1e6)
        // Validated once, on arrival: the batch loop looks at what a message is before applying it.
        this.#buffer.push({ msg: m, parsed: parseEventMessage(m.subject, m.data, this.deps.subjects) })
        this.#wake?.()
      }
      if (!this.#stopped) this.#ended = 'the events consumer closed'
    })().catch((e: unknown) => {
      // Nothing restarts the iterator: the liveness check reports it, so the pod is restarted.
      this.#ended = `the events consumer failed: ${(e as Error).message}`
      log.error({ err: e }, 'event consumer stopped')
    })
    void (async () => {
      // An idle heartbeat: the server has nothing to deliver to our pull. With nothing held here
      // either, every event stored until now has been applied (here or by another coordinator).
      for await (const n of messages.status()) if (n.type === 'heartbeat' && this.#buffer.length === 0 && this.#batch.length === 0) this.#advance(Date.now())
    })().catch(() => {})
    this.#loop = this.#run()
  }

  #advance(upTo: number | undefined): void {
    if (upTo !== undefined && upTo > this.#appliedUpTo) this.#appliedUpTo = upTo
  }

  async #run(): Promise<void> {
    const max = this.deps.batchMax ?? 500
    const holdMs = this.deps.startHoldMs ?? START_HOLD_MS
    while (!this.#stopped) {
      if (this.#buffer.length === 0) {
        await this.#sleep()
        continue
      }
      if (holdMs > 0 && this.#buffer.every((b) => isStartOnly(b.parsed))) {
        this.#heldSince ||= performance.now()
        const left = this.#heldSince + holdMs - performance.now()
        if (left > 0) {
          await this.#sleep(left)
          continue
        }
      }
      this.#heldSince = 0
      const taken = this.#buffer.splice(0, max)
      const batch = taken.map((b) => b.msg)
      const parsed = taken.map((b) => b.parsed)
      this.#batch = batch
      await withBatchSpan('baton.batch', batch.length, () => batch.map((m) => m.headers?.get('traceparent') || undefined), () => this.#process(batch, parsed))
      this.#batch = []
    }
  }

  /** Waits for a message to arrive (or `ms` to pass, or stop). */
  async #sleep(ms?: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((r) => {
      this.#wake = r
      if (ms !== undefined) timer = setTimeout(r, ms)
    })
    clearTimeout(timer)
    this.#wake = undefined
  }

  async #process(batch: JsMsg[], parsed: ParsedMessage[]): Promise<void> {
    try {
      await this.#apply(batch, parsed, batch.map((_m, i) => i))
    } catch (e) {
      if (batch.length > 1 && !isTransientDbError(e)) {
        // Isolate the failing run: retry each run's messages in a transaction of their own.
        for (const refs of groupByRun(parsed)) await this.#applyAlone(batch, parsed, refs)
      } else {
        await this.#fail(batch, batch.map((_m, i) => i), e)
      }
    }
  }

  async #applyAlone(batch: JsMsg[], parsed: ParsedMessage[], refs: number[]): Promise<void> {
    try {
      await this.#apply(batch, parsed, refs)
    } catch (e) {
      await this.#fail(batch, refs, e)
    }
  }

  async #fail(batch: JsMsg[], refs: number[], e: unknown): Promise<void> {
    const transient = isTransientDbError(e)
    if (e instanceof GuardedWriteError) this.deps.log.error({ err: e, runs: e.runs, messages: refs.length }, 'BUG: a guarded write found a row changed outside its run lock; the batch was rolled back')
    else this.deps.log.warn({ err: e, messages: refs.length, transient }, 'applying events failed')
    const poison = transient ? [] : refs.filter((i) => batch[i]!.info.deliveryCount >= MAX_APPLY_DELIVERIES)
    if (poison.length > 0) await this.#deadLetterPoison(batch, poison, e)
    for (const i of refs) if (!poison.includes(i)) batch[i]!.nak(transient ? 1000 : 2000)
  }

  /**
   * Dead-letters messages that failed to apply `MAX_APPLY_DELIVERIES` times, and terminates them.
   * Never silent: each is logged once with the reason. If the dead letter itself cannot be
   * written, that is logged with the reason too: while Postgres is unavailable the messages are
   * nak'ed for redelivery; for any other cause (a retry would fail the same way) they are
   * terminated and the log line, which carries the payload, is their only record.
   */
  async #deadLetterPoison(batch: JsMsg[], poison: number[], e: unknown): Promise<void> {
    const log = this.deps.log
    const reason = `failed to apply ${MAX_APPLY_DELIVERIES} times: ${e instanceof Error ? e.message : String(e)}`
    const letters = poison.map((i) => ({ ...this.#describe(batch, i), reason }))
    let recorded = true
    try {
      await insertDeadLetters(this.deps.db, letters)
    } catch (err: unknown) {
      const messages = letters.map((l) => ({ subject: l.subject, msgId: l.msgId, payload: l.payload.slice(0, 2000) }))
      if (isTransientDbError(err)) {
        log.error({ err, reason, messages }, 'cannot dead-letter events that failed to apply: database unavailable; they will be redelivered')
        for (const i of poison) batch[i]!.nak(1000)
        return
      }
      log.error({ err, reason, messages }, 'cannot dead-letter events that failed to apply; terminated, this log line is their only record')
      recorded = false
    }
    if (recorded) for (const l of letters) log.warn({ subject: l.subject, msgId: l.msgId, reason }, 'event dead-lettered')
    for (const i of poison) batch[i]!.term()
    recordDeadLetters('apply_failed', poison.length)
  }

  #describe(batch: JsMsg[], ref: number): { subject: string; msgId: string | null; payload: string } {
    const m = batch[ref]
    // Inputs derived inside the transaction (backfill cancellations) have no message of their own.
    if (!m) return { subject: 'derived', msgId: null, payload: '' }
    return { subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') || null, payload: dec.decode(m.data) }
  }

  async #apply(batch: JsMsg[], parsed: ParsedMessage[], refs: number[]): Promise<void> {
    const requests: RunRequestItem[] = []
    const events: RunEventItem[] = []
    const landings: LandingItem[] = []
    const backfills: BackfillItem[] = []
    const pauses: PauseItem[] = []
    const invalid: { ref: number; reason: string }[] = []
    for (const ref of refs) {
      const p = parsed[ref]!
      if (p.kind === 'run-request') requests.push({ ref, request: p.request })
      else if (p.kind === 'run-event') events.push({ ref, runId: p.runId, eventId: p.eventId, event: p.event })
      else if (p.kind === 'source-landed') landings.push({ ref, landing: p.landing })
      else if (p.kind === 'backfill-requested') backfills.push({ ref, type: 'requested', request: p.request })
      else if (p.kind === 'backfill-cancel-requested') backfills.push({ ref, type: 'cancel_requested', request: p.request })
      else if (p.kind === 'pause-requested') pauses.push({ ref, request: p.request })
      else invalid.push({ ref, reason: p.reason })
    }
    const input: BatchInput = { requests, events, landings, backfills, pauses, invalid }
    const ctx: ApplyContext = {
      definitions: this.deps.definitions,
      subjects: this.deps.subjects,
      now: new Date(),
      ...(this.deps.backfillMaxPartitions ? { backfillMaxPartitions: this.deps.backfillMaxPartitions } : {}),
      ...(this.deps.alerting ? { alerting: this.deps.alerting } : {}),
      describe: (ref) => this.#describe(batch, ref),
      ...(this.deps.optimistic === false ? { optimistic: false } : {}),
    }
    const outcome = await tracedApplyBatch(this.deps.db, input, ctx)
    crashPoint(CrashPoint.batchAfterCommit)
    if (outcome.runIds.size > 0) crashPoint(CrashPoint.runCreatedBeforeCommands)
    await tracedPublish(this.deps.publisher, outcome.outbox)
    crashPoint(CrashPoint.batchAfterPublish)
    recordEventBatch(outcome, refs.map((i) => ({ msg: batch[i]!, parsed: parsed[i]! })), Date.now())
    for (const ref of refs) {
      const reason = outcome.rejected.get(ref)
      this.#advance(this.#evidence.get(batch[ref]!))
      if (reason === undefined) batch[ref]!.ack()
      else {
        this.deps.log.warn({ subject: batch[ref]!.subject, reason }, 'event dead-lettered')
        batch[ref]!.term()
      }
    }
    if (outcome.continued > 0) this.deps.onContinuation?.()
    if (outcome.slotsChanged) this.deps.onSlotsChanged?.()
    this.deps.onBatch?.({ messages: refs.length, transitions: outcome.transitions })
  }

  /** Stops taking messages, finishes the batch in progress, and returns un-applied ones to NATS. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#keepAlive)
    this.#messages?.stop()
    this.#wake?.()
    await this.#loop
    for (const b of this.#buffer.splice(0)) b.msg.nak()
    await this.#messages?.close().catch(() => {})
  }
}

/** A start or heartbeat: nothing downstream waits for it, so its batch may wait for company. */
function isStartOnly(p: ParsedMessage): boolean {
  return p.kind === 'run-event' && (p.event.type === 'task.started' || p.event.type === 'task.heartbeat')
}

function groupByRun(parsed: ParsedMessage[]): number[][] {
  const groups = new Map<string, number[]>()
  parsed.forEach((p, i) => {
    const key = p.kind === 'run-event' ? p.runId : `_${i}`
    groups.set(key, [...(groups.get(key) ?? []), i])
  })
  return [...groups.values()]
}
