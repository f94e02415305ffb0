import { BatonError, getRunDetails, NotFoundError, TERMINAL_RUN_STATUSES, ValidationError } from '@baton/shared'
import { CliClient } from '../client.js'
import { formatTaskLogJson, formatTaskLogLine } from '../task-log-format.js'
import { readTaskLogs } from '../task-log-reader.js'

/** How often `--follow` checks whether the run has finished. */
const FOLLOW_POLL_MS = 500
/**
 * After the run is terminal, how long `--follow` still waits for log batches. A worker stores
 * an attempt's log before its result, so this only covers a worker whose log lagged behind.
 */
const FOLLOW_DRAIN_MS = 1000

/** `baton logs RUN [TASK]`: print the captured logs of a run's tasks. */
export async function logs(runId: string, task: string | undefined, opts: { attempt?: number; follow?: boolean; json?: boolean }): Promise<void> {
  if (opts.attempt !== undefined && task === undefined) throw new ValidationError([{ path: '--attempt', reason: 'needs a TASK argument' }])
  const client = new CliClient()
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
    const db = await client.db({ readOnly: true })
    const run = await getRunDetails(db, runId)
    if (!run) throw new NotFoundError('run', runId)
    if (task !== undefined && !run.tasks.some((t) => t.id === task)) {
      throw new BatonError('NOT_FOUND', `run ${runId} (workflow ${run.workflow}) has no task '${task}'`, { runId, taskId: task })
    }
    const color = !opts.json && process.stdout.isTTY === true
    let skipped = false
    let printed = 0
    await readTaskLogs(
      await client.js(),
      client.subjects.logsStream,
      client.subjects.logFilter(runId, task, opts.attempt),
      {
        onLine: (line) => {
          if (interrupted.signal.aborted) return
          printed++
          process.stdout.write(`${opts.json ? formatTaskLogJson(line) : formatTaskLogLine(line, { color })}\n`)
        },
        onSkipped: (reason) => {
          if (!skipped) process.stderr.write(`warning: skipped a malformed log message (${reason})\n`)
          skipped = true
        },
      },
      {
        signal: interrupted.signal,
        ...(opts.follow
          ? {
              follow: {
                isFinished: async () => {
                  const now = await getRunDetails(db, runId)
                  return !now || TERMINAL_RUN_STATUSES.includes(now.status)
                },
                pollMs: FOLLOW_POLL_MS,
                drainMs: FOLLOW_DRAIN_MS,
              },
            }
          : {}),
      },
    )
    if (printed === 0 && !opts.json) {
      const what = task === undefined ? `run ${runId}` : `task ${task}${opts.attempt !== undefined ? ` attempt ${opts.attempt}` : ''} of run ${runId}`
      process.stderr.write(`no task logs stored for ${what}\n`)
    }
    if (interrupted.signal.aborted) process.exitCode = 130
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await client.close()
  }
}
