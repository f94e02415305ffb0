import { decodeJson, TaskLogBatchSchema, type JetStreamClient, type JsMsg, type TaskLogRecord } from '@baton/shared'

/** One stored log record with the attempt it belongs to. */
export interface TaskLogLine {
  readonly runId: string
  readonly taskId: string
  readonly attempt: number
  readonly record: TaskLogRecord
}

/** How `readTaskLogs` keeps going after what is stored. */
export interface FollowOptions {
  /** True once nothing more can be logged (the run is terminal). */
  isFinished(): Promise<boolean>
  /** Pause between `isFinished` checks. */
  readonly pollMs: number
  /** After `isFinished`, how long late batches still get to arrive. */
  readonly drainMs: number
}

/**
 * Prints the task logs matching `filter` from `<NS>_LOGS` in stream order, with an ephemeral
 * ordered consumer (no acks, nothing left behind on the server). Without `follow` it ends at
 * the last message stored when it started; with `follow` it waits for new ones until
 * `follow.isFinished()` and a short drain, or until `signal` aborts. Malformed messages are
 * skipped and reported through `onSkipped`.
 */
export async function readTaskLogs(
  js: JetStreamClient,
  stream: string,
  filter: string,
  handlers: { onLine(line: TaskLogLine): void; onSkipped(reason: string): void },
  options: { follow?: FollowOptions; signal?: AbortSignal } = {},
): Promise<void> {
  const consumer = await js.consumers.get(stream, { filter_subjects: filter })
  try {
    // The consumer counts what matches when it is created: the end of a read without --follow.
    let caughtUp = (await consumer.info(true)).num_pending === 0
    if (caughtUp && !options.follow) return
    if (options.signal?.aborted) return
    const messages = await consumer.consume({ max_messages: 256 })
    const ended = new AbortController()
    let finishing = false
    const stop = (): void => void messages.stop()
    options.signal?.addEventListener('abort', stop, { once: true })
    let watchFailed: unknown
    const watching = options.follow
      ? watchForEnd(options.follow, ended.signal, () => caughtUp, () => (finishing = true), stop).catch((e: unknown) => {
          // The run's status cannot be read (database gone): end the read and report that.
          watchFailed = e
          stop()
        })
      : undefined
    try {
      for await (const m of messages) {
        deliver(m, handlers)
        caughtUp = m.info.pending === 0
        if (caughtUp && (!options.follow || finishing)) break
      }
    } finally {
      options.signal?.removeEventListener('abort', stop)
      ended.abort()
      await messages.close()
      await watching
    }
    if (watchFailed !== undefined) throw watchFailed
  } finally {
    await consumer.delete().catch(() => {})
  }
}

/** Polls `isFinished`; then, after the drain, ends the read once everything stored was printed. */
async function watchForEnd(follow: FollowOptions, ended: AbortSignal, caughtUp: () => boolean, markFinishing: () => void, stop: () => void): Promise<void> {
  while (!ended.aborted && !(await follow.isFinished())) await sleep(follow.pollMs, ended)
  if (ended.aborted) return
  await sleep(follow.drainMs, ended)
  markFinishing()
  // When messages are still arriving, the read loop ends itself once it has caught up.
  if (caughtUp()) stop()
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

function deliver(m: JsMsg, handlers: { onLine(line: TaskLogLine): void; onSkipped(reason: string): void }): void {
  let body: unknown
  try {
    body = decodeJson(m.data)
  } catch {
    return handlers.onSkipped(`message ${m.seq} on ${m.subject} is not JSON`)
  }
  const parsed = TaskLogBatchSchema.safeParse(body)
  if (!parsed.success) return handlers.onSkipped(`message ${m.seq} on ${m.subject} is not a task log batch: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  const { runId, taskId, attempt, records } = parsed.data
  for (const record of records) handlers.onLine({ runId, taskId, attempt, record })
}
