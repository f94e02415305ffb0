import type { ServerResponse } from 'node:http'
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream'
import { decodeJson, TaskLogBatchSchema, toError, type Logger } from '@baton/shared'

/** Bytes a client may leave unread before it is dropped (it resumes with Last-Event-ID). */
const MAX_BUFFER_BYTES = 1024 * 1024

/**
 * One client tailing a task's logs live (GET /runs/{id}/tasks/{taskId}/logs/live): an ordered
 * consumer on `<NS>_LOGS` from the client's position streams every batch stored after it, then
 * waits for new ones, each as an SSE `event: log` whose `id:` is the batch's stream sequence —
 * what `Last-Event-ID` (or `?after=`) resumes from, on any replica. The consumer is ephemeral:
 * closing the stream deletes it. A client that stops reading is dropped past a bounded buffer.
 */
export class TaskLogLiveStream {
  private messages: ConsumerMessages | undefined
  private closed = false
  private lastSeq = 0
  /** When the stream was opened (for its maximum lifetime). */
  readonly openedAt = Date.now()

  constructor(
    private readonly res: ServerResponse,
    private readonly log: Logger,
  ) {}

  /** Streams until the client goes away or `close()` is called. */
  async run(js: JetStreamClient, stream: string, filter: string, after: number, headers: Record<string, string | number | string[]>): Promise<void> {
    this.res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    this.lastSeq = after
    this.res.write(`retry: 2000\nid: ${after}\n\n`)
    this.res.on('close', () => void this.close())
    try {
      const consumer = await js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 })
      if (this.closed) return
      this.messages = await consumer.consume({ max_messages: 64 })
      for await (const m of this.messages) {
        if (this.closed) break
        const batch = parseBatch(m.data)
        const frame = batch
          ? `id: ${m.seq}\nevent: log\ndata: ${JSON.stringify({ seq: m.seq, attempt: batch.attempt, records: batch.records })}\n\n`
          : `id: ${m.seq}\n: a malformed batch was skipped\n\n`
        this.res.write(frame)
        this.lastSeq = m.seq
        if (this.res.writableLength > MAX_BUFFER_BYTES) {
          this.res.end(`event: reconnect\nid: ${m.seq}\ndata: ${JSON.stringify({ lastEventId: String(m.seq), reason: 'the client did not keep up' })}\n\n`)
          break
        }
      }
    } catch (e) {
      if (!this.closed) this.log.warn({ err: toError(e) }, 'live task log stream ended')
    } finally {
      await this.close()
    }
  }

  /** A comment line that keeps idle connections (and proxies) open. */
  heartbeat(): void {
    if (!this.closed) this.res.write(': heartbeat\n\n')
  }

  /**
   * The stream reached its maximum lifetime: a last event says where to resume, then it ends; the
   * client reconnects and authenticates again (a revoked or expired token stops there).
   */
  expire(): void {
    if (this.closed || this.res.writableEnded) return
    this.res.write(`event: reconnect\nid: ${this.lastSeq}\ndata: ${JSON.stringify({ lastEventId: String(this.lastSeq), reason: 'the stream reached its maximum lifetime; reconnect (and authenticate) to go on' })}\n\n`)
    void this.close()
  }

  /** Ends the stream and deletes its consumer. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.messages?.close().catch(() => {})
    if (!this.res.writableEnded) this.res.end()
  }
}

function parseBatch(data: Uint8Array): { attempt: number; records: unknown[] } | undefined {
  try {
    const parsed = TaskLogBatchSchema.safeParse(decodeJson(data))
    return parsed.success ? { attempt: parsed.data.attempt, records: parsed.data.records } : undefined
  } catch {
    return undefined
  }
}
