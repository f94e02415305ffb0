import type { ConsumerMessages, ConsumerNotification } from '@nats-io/jetstream'
import { DURABLE_CONSUME_OPTIONS, toError, type JetStreamClient, type JsMsg, type Logger } from '@baton/shared'
import type { ConcurrencyLimit } from './concurrency-limit.js'

/**
 * While a delivered command waits for a free slot, tell JetStream it is being worked on this
 * often, so it is not redelivered to another worker after the 30 s ack_wait.
 */
const WORKING_EVERY_MS = 10_000

/** Notifications worth a warning; the rest (heartbeats, pulls, discards) are routine. */
const WARN_ON: ReadonlySet<ConsumerNotification['type']> = new Set(['consumer_deleted', 'consumer_not_found', 'stream_not_found', 'no_responders', 'exceeded_limits'])

/** A running command loop. */
export interface CommandConsumer {
  /** Stops taking commands: still-buffered ones are nak'ed so another worker gets them now. */
  stop(): void
  /** Resolves when the loop has ended (after `stop`, or on an unrecoverable consumer error). */
  readonly done: Promise<void>
}

/**
 * Consumes a queue's durable consumer with `consume({ max_messages: concurrency })` and hands
 * each message to `onMessage` once a slot of `limit` is free. The loop takes the next message
 * only after the previous one got a slot, and nats.js issues its next pull only as messages
 * are taken, so at most one delivered command waits here (kept alive with `working()`) —
 * commands are not hoarded away from idle workers of the same queue.
 */
export async function startCommandConsumer(deps: {
  js: JetStreamClient
  stream: string
  durable: string
  limit: ConcurrencyLimit
  logger: Logger
  onMessage: (msg: JsMsg) => Promise<void>
}): Promise<CommandConsumer> {
  const consumer = await deps.js.consumers.get(deps.stream, deps.durable)
  const messages: ConsumerMessages = await consumer.consume({ max_messages: deps.limit.max, ...DURABLE_CONSUME_OPTIONS })
  const stopping = new AbortController()

  void (async () => {
    for await (const n of messages.status()) {
      if (WARN_ON.has(n.type)) deps.logger.warn({ notification: n }, 'command consumer notification')
    }
  })().catch(() => {})

  const done = (async () => {
    try {
      for await (const msg of messages) {
        if (stopping.signal.aborted) {
          nakQuietly(msg)
          continue
        }
        if (!deps.limit.tryAcquire()) {
          const keepAlive = setInterval(() => workingQuietly(msg), WORKING_EVERY_MS)
          const got = await deps.limit.acquire(stopping.signal).finally(() => clearInterval(keepAlive))
          if (!got) {
            nakQuietly(msg)
            continue
          }
        }
        void deps
          .onMessage(msg)
          .catch((e: unknown) => deps.logger.error({ err: toError(e) }, 'command handling failed unexpectedly'))
          .finally(() => deps.limit.release())
      }
    } catch (e) {
      if (!stopping.signal.aborted) deps.logger.error({ err: toError(e) }, 'command consumer stopped unexpectedly')
    }
  })()

  return {
    stop() {
      if (stopping.signal.aborted) return
      stopping.abort()
      // close() ends the iterator after what is already buffered; those are nak'ed above.
      void messages.close().catch(() => {})
    },
    done,
  }
}

function nakQuietly(msg: JsMsg): void {
  try {
    msg.nak()
  } catch {
    // Connection gone: the command is redelivered after ack_wait anyway.
  }
}

function workingQuietly(msg: JsMsg): void {
  try {
    msg.working()
  } catch {
    // Same as above.
  }
}
