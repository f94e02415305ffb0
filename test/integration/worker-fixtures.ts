import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import type { ConsumerMessages } from '@nats-io/jetstream'
import {
  createLogger,
  decodeJson,
  newId,
  publishJson,
  TaskEventSchema,
  traceparentFor,
  type Logger,
  type TaskCommand,
  type TaskEvent,
} from '@baton/shared'
import { eventually, type TestNamespace } from '../support/namespace.js'

/**
 * Fixtures of the worker integration tests: a command builder, an event log reading the
 * namespace's task events, and a logger whose lines the test can inspect.
 */

/** Overrides of `buildCommand`; `task` fields merge into the default task. */
export type CommandOverrides = Partial<Omit<TaskCommand, 'task'>> & { task?: Partial<TaskCommand['task']> }

/** A valid command for `queue` (a fresh run), as the coordinator would send it. */
export function buildCommand(queue: string, overrides: CommandOverrides = {}): TaskCommand {
  const runId = overrides.runId ?? randomUUID()
  const taskId = overrides.taskId ?? 'extract'
  const { task, ...rest } = overrides
  return {
    id: newId(),
    runId,
    taskId,
    attempt: 1,
    workflow: 'daily_revenue',
    partition: null,
    params: {},
    inputs: {},
    idempotencyKey: `${runId}:${taskId}`,
    deadline: null,
    traceparent: traceparentFor(runId),
    queue,
    ...rest,
    task: { handler: taskId, kind: 'task', heartbeatMs: 10_000, ...task },
  }
}

/** Publishes a command to its queue, as the coordinator's outbox relay would. */
export async function publishCommand(ns: TestNamespace, command: TaskCommand): Promise<void> {
  await publishJson(ns.js, ns.subjects.command(command.queue), command.id, command, command.traceparent)
}

/** One task event as read from the stream, with its headers. */
export interface ReadEvent {
  readonly event: TaskEvent
  readonly traceparent: string | undefined
  readonly msgId: string | undefined
  readonly subject: string
}

/** Every task event of a namespace, in stream order, read by an ordered consumer. */
export class TaskEventLog {
  readonly all: ReadEvent[] = []
  readonly #messages: ConsumerMessages
  readonly #loop: Promise<void>

  private constructor(messages: ConsumerMessages) {
    this.#messages = messages
    this.#loop = (async () => {
      for await (const m of messages) {
        this.all.push({
          event: TaskEventSchema.parse(decodeJson(m.data)),
          traceparent: m.headers?.get('traceparent') || undefined,
          msgId: m.headers?.get('Nats-Msg-Id') || undefined,
          subject: m.subject,
        })
      }
    })()
  }

  /** Starts reading the namespace's task events from the beginning of the stream. */
  static async open(ns: TestNamespace): Promise<TaskEventLog> {
    const consumer = await ns.js.consumers.get(ns.subjects.eventsStream, { filter_subjects: ns.subjects.task('*') })
    return new TaskEventLog(await consumer.consume())
  }

  /** The events of one run, in stream order. */
  forRun(runId: string): TaskEvent[] {
    return this.all.filter((r) => r.event.runId === runId).map((r) => r.event)
  }

  /** Waits for the first event of `runId` of type `type` (optionally matching `where`). */
  async waitFor(runId: string, type: TaskEvent['type'], where: (e: TaskEvent) => boolean = () => true): Promise<TaskEvent> {
    return eventually(() => this.forRun(runId).find((e) => e.type === type && where(e)), `${type} event of run ${runId}`)
  }

  /** Waits for the attempt's result (`succeeded` or `failed`). */
  async result(runId: string): Promise<TaskEvent> {
    return eventually(() => this.forRun(runId).find((e) => e.type === 'succeeded' || e.type === 'failed'), `result of run ${runId}`)
  }

  /** Stops reading. */
  async close(): Promise<void> {
    await this.#messages.close()
    await this.#loop
  }
}

/** A logger writing JSON lines into memory, for assertions on what the worker logged. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  return {
    logger: createLogger({ level: 'debug', destination }),
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

/** A promise with its resolve function outside, for handlers the test releases. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => (open = resolve))
  return { promise, open }
}
