import { BatonError, getRunDetails, isMapInstanceId, NotFoundError, requireRunTask, TERMINAL_RUN_STATUSES, ValidationError, type RunDetails, type TaskLogRecord } from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { fetchRun } from '../api-run.js'
import { CliClient } from '../client.js'
import { formatTaskLogJson, formatTaskLogLine } from '../task-log-format.js'
import { readTaskLogs, type TaskLogLine } from '../task-log-reader.js'

/** How often `--follow` checks whether the run has finished. */
const FOLLOW_POLL_MS = 500
/**
 * After the run is terminal, how long `--follow` still waits for log batches. A worker stores
 * an attempt's log before its result, so this only covers a worker whose log lagged behind.
 */
const FOLLOW_DRAIN_MS = 1000

/** What `logs` reads: a run's task logs (one task's, one attempt's), once or until the run ends. */
interface LogRead {
  readonly runId: string
  readonly task?: string
  readonly attempt?: number
  readonly follow: boolean
  readonly signal: AbortSignal
  onLine(line: TaskLogLine): void
  onSkipped(reason: string): void
}

/** Where `logs` reads from. */
interface LogSource {
  read(r: LogRead): Promise<void>
  close(): Promise<void>
}

/** The one place `logs` chooses its mode: the HTTP API when configured, else Postgres and NATS. */
function openSource(): LogSource {
  const api = apiTarget()
  return api ? apiSource(api) : directSource()
}

/**
 * A task the run does not have is an error. An instance of a mapped task (`load[3]`) is not among
 * the run's tasks (a run may hold 100,000): it is checked on its own (direct mode), or by the
 * API's logs route.
 */
function noSuchTask(run: RunDetails, task: string | undefined): void {
  if (task !== undefined && !isMapInstanceId(task) && !run.tasks.some((t) => t.id === task)) {
    throw new BatonError('NOT_FOUND', `run ${run.id} (workflow ${run.workflow}) has no task '${task}'`, { runId: run.id, taskId: task })
  }
}

function directSource(): LogSource {
  const client = new CliClient()
  return {
    async read(r) {
      const db = await client.db({ readOnly: true })
      const run = await getRunDetails(db, r.runId)
      if (!run) throw new NotFoundError('run', r.runId)
      noSuchTask(run, r.task)
      if (r.task !== undefined && isMapInstanceId(r.task)) await requireRunTask(db, r.runId, r.task)
      await readTaskLogs(
        await client.js(),
        client.subjects.logsStream,
        client.subjects.logFilter(r.runId, r.task, r.attempt),
        { onLine: r.onLine, onSkipped: r.onSkipped },
        {
          signal: r.signal,
          ...(r.follow
            ? {
                follow: {
                  isFinished: async () => {
                    const now = await getRunDetails(db, r.runId)
                    return !now || TERMINAL_RUN_STATUSES.includes(now.status)
                  },
                  pollMs: FOLLOW_POLL_MS,
                  drainMs: FOLLOW_DRAIN_MS,
                },
              }
            : {}),
        },
      )
    },
    close: () => client.close(),
  }
}

/** Lines per page asked of the API (its most). */
const API_PAGE = 5000

/**
 * Through the API: each task's pages (`GET /runs/{id}/tasks/{task}/logs`, `after` = the last
 * page's `next`), merged in stream order; `--follow` polls every task with its cursor until the
 * run is terminal, then once more after the drain.
 */
function apiSource(target: ApiTarget): LogSource {
  const api = new ApiClient(target)
  return {
    async read(r) {
      const { run } = await fetchRun(api, r.runId)
      noSuchTask(run, r.task)
      const tasks = r.task !== undefined ? [r.task] : run.tasks.map((t) => t.id)
      const after = new Map(tasks.map((t) => [t, 0]))
      const pass = async (): Promise<void> => {
        const lines: { seq: number; line: TaskLogLine }[] = []
        for (const taskId of tasks) {
          for (;;) {
            const query = { after: after.get(taskId)!, limit: API_PAGE, ...(r.attempt !== undefined ? { attempt: r.attempt } : {}) }
            const { data } = await api.ok(api.http.GET('/runs/{id}/tasks/{taskId}/logs', { params: { path: { id: r.runId, taskId }, query } }))
            if (data.skipped > 0) r.onSkipped(`${data.skipped} message(s) of task ${taskId}`)
            for (const i of data.items) {
              const record = { ts: i.ts, level: i.level, stream: i.stream, msg: i.msg, ...i.fields } as TaskLogRecord
              lines.push({ seq: i.seq, line: { runId: r.runId, taskId, attempt: i.attempt, record } })
            }
            after.set(taskId, data.next)
            if (!data.more) break
          }
        }
        // Stream order across tasks (a stable sort keeps a batch's lines in their order).
        for (const l of lines.sort((a, b) => a.seq - b.seq)) r.onLine(l.line)
      }
      await pass()
      if (!r.follow) return
      for (;;) {
        if (r.signal.aborted) return
        await sleep(FOLLOW_POLL_MS, r.signal)
        const { run: now } = await fetchRun(api, r.runId)
        if (TERMINAL_RUN_STATUSES.includes(now.status)) {
          await sleep(FOLLOW_DRAIN_MS, r.signal)
          if (!r.signal.aborted) await pass()
          return
        }
        await pass()
      }
    },
    close: () => api.close(),
  }
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

/** `baton logs RUN [TASK]`: print the captured logs of a run's tasks. */
export async function logs(runId: string, task: string | undefined, opts: { attempt?: number; follow?: boolean; json?: boolean }): Promise<void> {
  if (opts.attempt !== undefined && task === undefined) throw new ValidationError([{ path: '--attempt', reason: 'needs a TASK argument' }])
  const source = openSource()
  const interrupted = new AbortController()
  const onSignal = (): void => interrupted.abort()
  // `baton logs … | head`: a reader that went away ends the read like Ctrl-C, without a stack
  // trace. Left attached: a write failing after the read ended is reported late.
  const onStdoutError = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'EPIPE') throw e
    interrupted.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.stdout.on('error', onStdoutError)
  try {
    const color = !opts.json && process.stdout.isTTY === true
    let skipped = false
    let printed = 0
    await source.read({
      runId,
      ...(task !== undefined ? { task } : {}),
      ...(opts.attempt !== undefined ? { attempt: opts.attempt } : {}),
      follow: opts.follow === true,
      signal: interrupted.signal,
      onLine: (line) => {
        if (interrupted.signal.aborted) return
        printed++
        process.stdout.write(`${opts.json ? formatTaskLogJson(line) : formatTaskLogLine(line, { color })}\n`)
      },
      onSkipped: (reason) => {
        if (!skipped) process.stderr.write(`warning: skipped a malformed log message (${reason})\n`)
        skipped = true
      },
    })
    if (printed === 0 && !opts.json) {
      const what = task === undefined ? `run ${runId}` : `task ${task}${opts.attempt !== undefined ? ` attempt ${opts.attempt}` : ''} of run ${runId}`
      process.stderr.write(`no task logs stored for ${what}\n`)
    }
    if (interrupted.signal.aborted) process.exitCode = 130
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await source.close()
  }
}
