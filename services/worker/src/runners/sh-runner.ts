import { spawn } from 'node:child_process'
import type { RunSpec, TaskCommand } from '@baton/shared'
import type { TaskContext } from '../task-context.js'
import { TaskFailure } from '../task-failure.js'
import type { ExecutorResult } from './executor.js'
import { OutputTail } from './output-tail.js'
import { LineSplitter } from '../task-logs/line-splitter.js'
import type { TaskLogWriter } from '../task-logs/attempt-task-log.js'
import { shEnvironment } from './sh-env.js'

/** A shell task's spec: `{ sh, env?, cwd? }`. */
export type ShRun = Extract<RunSpec, { sh: string }>

/** Time between SIGTERM and SIGKILL when a shell task is stopped. */
export const KILL_AFTER_MS = 5000
/** How much of stderr goes into the failure message (all of the tail is in `details`). */
const STDERR_IN_MESSAGE_CHARS = 2000

/**
 * Runs `/bin/sh -c <sh>` in its own process group with the attempt's BATON_* environment.
 * Exit 0 succeeds with the last non-empty stdout line as output when it is JSON (else null);
 * any other exit fails retryably with kind `exit_code`. stdout/stderr tails go in `details`, and
 * every line goes to `taskLog` (stream `stdout` / `stderr`) as soon as it is printed.
 *
 * The whole group is signalled, never just the shell, so pipelines and background jobs stop
 * with it: on abort (SIGTERM, then SIGKILL after 5 s) and also when the shell exits, so a
 * task cannot leave processes behind on the worker.
 */
export function runSh(ctx: TaskContext, command: TaskCommand, spec: ShRun, taskLog?: TaskLogWriter): Promise<ExecutorResult> {
  if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason)
  return new Promise<ExecutorResult>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', spec.sh], {
      cwd: spec.cwd,
      env: shEnvironment(command, process.env, spec.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stdout = new OutputTail()
    const stderr = new OutputTail()
    const stdoutLines = new LineSplitter((line) => taskLog?.write('stdout', 'info', line))
    const stderrLines = new LineSplitter((line) => taskLog?.write('stderr', 'info', line))
    child.stdout.on('data', (c: Buffer) => {
      stdout.push(c)
      stdoutLines.push(c)
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr.push(c)
      stderrLines.push(c)
    })

    let killTimer: NodeJS.Timeout | undefined
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, signal)
      } catch {
        // ESRCH: the group is already gone.
      }
    }
    const terminateGroup = (): void => {
      signalGroup('SIGTERM')
      if (!killTimer) killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_AFTER_MS)
    }
    ctx.signal.addEventListener('abort', terminateGroup, { once: true })

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    // The shell is gone: stop what it left in its group, which also releases the pipes they hold.
    child.once('exit', (code, signal) => {
      exit = { code, signal }
      terminateGroup()
    })
    child.once('error', (e) => {
      finish()
      reject(new TaskFailure(`cannot start /bin/sh: ${e.message}`, { kind: 'spawn_error', retryable: true, cause: e }))
    })
    child.once('close', (code, signal) => {
      finish()
      stdoutLines.end()
      stderrLines.end()
      const result = exit ?? { code, signal }
      const details: Record<string, unknown> = { stdout: stdout.text(), stderr: stderr.text(), exitCode: result.code }
      if (result.signal) details.signal = result.signal
      if (ctx.signal.aborted) return reject(ctx.signal.reason)
      if (result.code === 0) return resolve({ output: lastLineJson(details.stdout as string), details })
      const how = result.code !== null ? `exited with code ${result.code}` : `was killed by ${result.signal}`
      const tail = (details.stderr as string).trimEnd().slice(-STDERR_IN_MESSAGE_CHARS)
      reject(new TaskFailure(`shell command ${how}${tail ? `; stderr: ${tail}` : ''}`, { kind: 'exit_code', retryable: true, details }))
    })

    function finish(): void {
      ctx.signal.removeEventListener('abort', terminateGroup)
      if (killTimer) clearTimeout(killTimer)
    }
  })
}

/** The last non-empty line parsed as JSON, or null when it is not JSON. */
function lastLineJson(stdout: string): unknown {
  const lines = stdout.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim()
    if (!line) continue
    try {
      return JSON.parse(line) as unknown
    } catch {
      return null
    }
  }
  return null
}
