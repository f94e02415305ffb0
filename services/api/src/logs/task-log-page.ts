import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream'
import { decodeJson, TaskLogBatchSchema } from '@baton/shared'

/** One stored log line with the batch (stream sequence) and attempt it came in. */
export interface TaskLogPageLine {
  seq: number
  attempt: number
  ts: string
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  stream: 'log' | 'stdout' | 'stderr'
  msg: string
  fields: Record<string, unknown>
}

/** A page of task log lines. */
export interface TaskLogPage {
  items: TaskLogPageLine[]
  /** The stream sequence to pass as `after` next (the last batch read, or `after` when none). */
  next: number
  /** Whether more batches were already stored past this page. */
  more: boolean
  /** Malformed messages skipped. */
  skipped: number
}

/**
 * Reads one page of task logs from `<NS>_LOGS` (what `baton logs` prints, paged for HTTP): the
 * batches matching `filter` stored after stream sequence `after`, in stream order, until the
 * page holds at least `limit` lines or everything stored has been read. A page ends at a batch
 * boundary (the cursor is a batch's sequence), so it may hold a little more than `limit` lines.
 * An ephemeral ordered consumer reads it and is deleted: nothing is left on the server, and any
 * API replica can serve the next page.
 */
export async function readTaskLogPage(js: JetStreamClient, stream: string, filter: string, after: number, limit: number): Promise<TaskLogPage> {
  const consumer = await js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 })
  const page: TaskLogPage = { items: [], next: after, more: false, skipped: 0 }
  try {
    // The consumer counts what matches when it is created: the end of this read.
    let pending = (await consumer.info(true)).num_pending
    if (pending === 0) return page
    const messages = await consumer.consume({ max_messages: Math.min(256, Math.max(16, limit)) })
    try {
      for await (const m of messages) {
        page.next = m.seq
        pending = m.info.pending
        const batch = parseBatch(m.data)
        if (batch) {
          for (const r of batch.records) {
            const { ts, level, stream: from, msg, ...fields } = r
            page.items.push({ seq: m.seq, attempt: batch.attempt, ts, level, stream: from, msg, fields })
          }
        } else page.skipped++
        if (pending === 0 || page.items.length >= limit) break
      }
    } finally {
      await messages.close()
    }
    page.more = pending > 0
    return page
  } finally {
    await consumer.delete().catch(() => {})
  }
}

function parseBatch(data: Uint8Array): { attempt: number; records: ReturnType<typeof TaskLogBatchSchema.parse>['records'] } | undefined {
  let body: unknown
  try {
    body = decodeJson(data)
  } catch {
    return undefined
  }
  const parsed = TaskLogBatchSchema.safeParse(body)
  return parsed.success ? { attempt: parsed.data.attempt, records: parsed.data.records } : undefined
}
