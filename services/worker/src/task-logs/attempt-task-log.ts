import { taskLogBatchId, type TaskCommand, type TaskLogBatch, type TaskLogLevel, type TaskLogRecord, type TaskLogStream } from '@baton/shared'
import { waitAtMost } from '../bounded-wait.js'

/**
 * A batch goes out when its oldest record is this old, or sooner when it reaches FLUSH_BYTES:
 * a chatty task publishes a few messages a second, not one per line, and `baton logs --follow`
 * still sees lines within a fraction of a second.
 */
export const FLUSH_INTERVAL_MS = 200
export const FLUSH_BYTES = 64 * 1024
/** Largest record kept as is; a larger one keeps the start of its message and drops its fields. */
export const MAX_RECORD_BYTES = 64 * 1024
/** Characters of message kept by a clipped record (at most 6 bytes each once JSON-escaped: under 128 KiB). */
const CLIPPED_MSG_CHARS = 16 * 1024
/** JSON around the records of a batch (ids, seq, worker id), counted against the worker's buffer. */
const BATCH_OVERHEAD_BYTES = 512

/** Where a runner writes an attempt's log lines. Never blocks and never throws. */
export interface TaskLogWriter {
  /** Appends one record; `at` defaults to now. */
  write(stream: TaskLogStream, level: TaskLogLevel, msg: string, fields?: Readonly<Record<string, unknown>>, at?: Date): void
}

/** One attempt's log: records in, ordered acknowledged batches out. */
export interface TaskLogSink extends TaskLogWriter {
  /**
   * Sends what is buffered and waits, at most `timeoutMs`, until everything written so far is
   * stored (or given up). True when it all went out in time.
   */
  flush(timeoutMs: number): Promise<boolean>
  /** Accepts no more records; what is buffered still goes out. Idempotent. */
  close(): void
}

/** One encoded batch waiting to be published. */
export interface PendingBatch {
  readonly subject: string
  readonly body: TaskLogBatch
  readonly bytes: number
  readonly traceparent: string
}

/** What an attempt's log needs from the worker-wide publisher. */
export interface TaskLogTransport {
  /** Takes `bytes` of the worker's bounded log buffer; false when it is full. */
  reserve(bytes: number): boolean
  /** Gives back what `reserve` took. */
  release(bytes: number): void
  /**
   * Publishes one batch, retrying with the same id; false when it gave up (the worker is
   * stopping, or NATS refused it for too long), having counted the batch's records as dropped.
   * Never throws.
   */
  send(batch: PendingBatch): Promise<boolean>
  /** True while NATS is refusing batches: an attempt's result then does not wait for its log. */
  unavailable(): boolean
  /** Counts records dropped because the worker's log buffer was full. */
  droppedForBuffer(records: number): void
  /** Counts an attempt whose log reached the cap. */
  truncated(): void
  /** Keeps a publishing loop in view so the worker's shutdown can wait for it. */
  track(pumping: Promise<void>): void
}

/** Creates the log of one attempt, capped at `maxBytes` of records. */
export function createAttemptTaskLog(
  command: Pick<TaskCommand, 'runId' | 'taskId' | 'attempt'>,
  options: { subject: string; traceparent: string; workerId: string; maxBytes: number; transport: TaskLogTransport },
): TaskLogSink {
  return new AttemptTaskLog(command, options)
}

/**
 * Ordering: records are batched in the order written, and one loop per attempt publishes the
 * batches one at a time, each retried until acknowledged, so the stream holds them in order.
 * Nothing here waits on NATS except `flush`: `write` only appends to memory, bounded by the
 * per-attempt cap and the worker's shared buffer, and drops (counted, and said in the log
 * itself once NATS takes batches again) when that buffer is full.
 */
class AttemptTaskLog implements TaskLogSink {
  readonly #ids: Pick<TaskCommand, 'runId' | 'taskId' | 'attempt'>
  readonly #subject: string
  readonly #traceparent: string
  readonly #workerId: string
  readonly #maxBytes: number
  readonly #transport: TaskLogTransport
  #records: TaskLogRecord[] = []
  #bufferedBytes = 0
  #acceptedBytes = 0
  #truncated = false
  #closed = false
  #seq = 0
  #droppedRecords = 0
  #timer: NodeJS.Timeout | undefined
  #queue: PendingBatch[] = []
  #pumping: Promise<void> | undefined

  constructor(ids: Pick<TaskCommand, 'runId' | 'taskId' | 'attempt'>, o: { subject: string; traceparent: string; workerId: string; maxBytes: number; transport: TaskLogTransport }) {
    this.#ids = ids
    this.#subject = o.subject
    this.#traceparent = o.traceparent
    this.#workerId = o.workerId
    this.#maxBytes = o.maxBytes
    this.#transport = o.transport
  }

  write(stream: TaskLogStream, level: TaskLogLevel, msg: string, fields?: Readonly<Record<string, unknown>>, at: Date = new Date()): void {
    if (this.#closed || this.#truncated) return
    let record: TaskLogRecord = { ts: at.toISOString(), level, stream, msg, ...withoutOwnKeys(fields) }
    let bytes = jsonBytes(record)
    if (bytes > MAX_RECORD_BYTES) {
      record = { ts: record.ts, level, stream, msg: `${msg.slice(0, CLIPPED_MSG_CHARS)}… [clipped: the record had ${bytes} bytes]`, clipped: true }
      bytes = jsonBytes(record)
    }
    if (this.#acceptedBytes + bytes > this.#maxBytes) {
      // The marker does not count against the cap: it is what tells the reader the rest is gone.
      this.#truncated = true
      this.#transport.truncated()
      this.#append({ ts: record.ts, level: 'warn', stream: 'log', msg: `log truncated after ${this.#acceptedBytes} bytes`, truncated: true, maxBytes: this.#maxBytes }, 0)
      this.#batch()
      return
    }
    this.#acceptedBytes += bytes
    this.#append(record, bytes)
  }

  async flush(timeoutMs: number): Promise<boolean> {
    this.#batch()
    const pumping = this.#pumping
    if (!pumping) return true
    if (this.#transport.unavailable()) return false
    return waitAtMost(pumping, timeoutMs)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#batch()
  }

  #append(record: TaskLogRecord, bytes: number): void {
    this.#records.push(record)
    this.#bufferedBytes += bytes
    if (this.#bufferedBytes >= FLUSH_BYTES) this.#batch()
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#batch(), FLUSH_INTERVAL_MS)
      this.#timer.unref()
    }
  }

  /** Moves the buffered records into a batch on the publishing queue (or drops them when the worker's buffer is full). */
  #batch(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#records.length === 0) return
    const records = this.#records
    const bytes = this.#bufferedBytes + BATCH_OVERHEAD_BYTES
    this.#records = []
    this.#bufferedBytes = 0
    if (!this.#transport.reserve(bytes)) {
      this.#droppedRecords += records.length
      this.#transport.droppedForBuffer(records.length)
      return
    }
    if (this.#droppedRecords > 0) {
      records.unshift({ ts: records[0]!.ts, level: 'warn', stream: 'log', msg: `${this.#droppedRecords} log records dropped: NATS was unavailable`, dropped: this.#droppedRecords })
      this.#droppedRecords = 0
    }
    const { runId, taskId, attempt } = this.#ids
    const seq = ++this.#seq
    this.#queue.push({
      subject: this.#subject,
      traceparent: this.#traceparent,
      bytes,
      body: { id: taskLogBatchId(runId, taskId, attempt, seq), runId, taskId, attempt, seq, workerId: this.#workerId, records },
    })
    this.#pump()
  }

  #pump(): void {
    if (this.#pumping) return
    const loop = async (): Promise<void> => {
      try {
        while (this.#queue.length > 0) {
          const head = this.#queue[0]!
          // Not stored means given up (counted by the transport); the next batch still gets its chance.
          await this.#transport.send(head)
          this.#queue.shift()
          this.#transport.release(head.bytes)
        }
      } finally {
        // In the same synchronous step as the last empty-queue check, so a batch queued after it starts a new loop.
        this.#pumping = undefined
      }
    }
    this.#pumping = loop()
    this.#transport.track(this.#pumping)
  }
}

const OWN_KEYS = new Set(['ts', 'level', 'stream', 'msg'])

/** Structured fields, minus any that would overwrite a record's own keys. */
function withoutOwnKeys(fields: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!fields) return out
  for (const [k, v] of Object.entries(fields)) if (!OWN_KEYS.has(k)) out[k] = v
  return out
}

function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value), 'utf8')
  } catch {
    // Unserialisable fields (a cycle, a BigInt): the record is clipped to its message instead.
    return Number.MAX_SAFE_INTEGER
  }
}
