import { HttpRunSchema, ShRunSchema, type TaskCommand } from '@baton/shared'
import type { TaskContext } from '../task-context.js'
import { TaskFailure } from '../task-failure.js'
import { traceparentOf } from '../task-span.js'
import { runHttp } from './http-runner.js'
import { runSh } from './sh-runner.js'
import type { TaskLogWriter } from '../task-logs/attempt-task-log.js'

/** A TypeScript task handler: its return value is the task's output; throwing fails the attempt. */
export type TaskHandler = (ctx: TaskContext) => Promise<unknown> | unknown

/** What running an attempt produced: the output plus optional details kept with the attempt. */
export interface ExecutorResult {
  output: unknown
  details?: Record<string, unknown>
}

/**
 * Runs one attempt: a wrapped TS handler, a built-in runner, or a `no_handler` failure. Output a
 * runner captures (a shell's stdout and stderr lines) goes to `taskLog`; `ctx.log` feeds it too.
 */
export type Executor = (ctx: TaskContext, taskLog?: TaskLogWriter) => Promise<ExecutorResult>

/** What decides how a command runs on this worker. */
export interface ExecutorSource {
  readonly handlers: Readonly<Record<string, TaskHandler>>
  readonly runners: boolean
  readonly queue: string
  readonly workerId: string
}

/**
 * Picks how a command runs: the TS handler named by `task.handler` first; else, on a worker
 * with runners, the command's `task.run` (`sh` or `http`); else a non-retryable `no_handler`
 * failure naming handler, queue and worker, since retrying on the same fleet cannot help.
 */
export function resolveExecutor(command: TaskCommand, source: ExecutorSource): Executor {
  const name = command.task.handler
  // Own properties only: a task named `constructor` must not find Object.prototype's.
  const handler = Object.hasOwn(source.handlers, name) ? source.handlers[name] : undefined
  if (handler) return async (ctx) => ({ output: await handler(ctx) })

  const run = command.task.run
  if (source.runners && run) {
    if ('sh' in run) {
      const spec = ShRunSchema.safeParse(run)
      if (spec.success) return (ctx, taskLog) => runSh(ctx, command, spec.data, taskLog)
      return invalidRun(command, spec.error.issues)
    }
    if ('http' in run) {
      const spec = HttpRunSchema.safeParse(run)
      if (spec.success) return (ctx) => runHttp(ctx, spec.data, traceparentOf(ctx.span, command))
      return invalidRun(command, spec.error.issues)
    }
    return invalidRun(command, [{ path: [], message: `unknown runner (keys: ${Object.keys(run).join(', ')}); expected sh or http` }])
  }

  const hint = run && !source.runners ? '; the task has a built-in runner but this worker was started without runners' : ''
  return () =>
    Promise.reject(
      new TaskFailure(`no handler '${name}' for task '${command.taskId}' on queue '${source.queue}' (worker ${source.workerId})${hint}`, {
        kind: 'no_handler',
        retryable: false,
        runId: command.runId,
        taskId: command.taskId,
      }),
    )
}

function invalidRun(command: TaskCommand, issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): Executor {
  const why = issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ')
  return () =>
    Promise.reject(
      new TaskFailure(`invalid run spec for task '${command.taskId}': ${why}`, { kind: 'invalid_run', retryable: false, runId: command.runId, taskId: command.taskId }),
    )
}
