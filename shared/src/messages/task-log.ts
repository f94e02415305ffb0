import { z } from 'zod'

/**
 * Task logs (docs/protocol.md, "Task logs"): what a task printed or logged during one attempt,
 * published by the worker in small ordered batches on `<ns>.logs.<runId>.<taskId>.<attempt>`
 * (stream `<NS>_LOGS`) and read back by `baton logs`.
 */

/** Where a log record came from: the handler's `ctx.log`, or a shell task's stdout / stderr. */
export const TaskLogStream = { log: 'log', stdout: 'stdout', stderr: 'stderr' } as const
/** A task log stream. */
export type TaskLogStream = (typeof TaskLogStream)[keyof typeof TaskLogStream]

/** pino's level names, lowest first. */
export const TaskLogLevel = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', fatal: 'fatal' } as const
/** A task log level. */
export type TaskLogLevel = (typeof TaskLogLevel)[keyof typeof TaskLogLevel]

/** One log line: the fixed fields, plus whatever structured fields `ctx.log` was given. */
export const TaskLogRecordSchema = z.looseObject({
  ts: z.iso.datetime({ offset: true }),
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
  stream: z.enum(['log', 'stdout', 'stderr']),
  msg: z.string(),
})
/** One task log record. */
export type TaskLogRecord = z.infer<typeof TaskLogRecordSchema>

/**
 * `<ns>.logs.<runId>.<taskId>.<attempt>`: the next records of one attempt's log. `seq` counts the
 * attempt's batches from 1, and `id` (`<runId>.<taskId>.<attempt>.<seq>`) is the `Nats-Msg-Id`,
 * so a batch published again is stored once.
 */
export const TaskLogBatchSchema = z.object({
  id: z.string().min(1).max(200),
  runId: z.uuid(),
  taskId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be letters, digits, _ or - (at most 100 chars)'),
  attempt: z.number().int().min(1),
  seq: z.number().int().min(1),
  workerId: z.string().min(1).max(200).optional(),
  records: z.array(TaskLogRecordSchema).min(1),
})
/** A batch of task log records. */
export type TaskLogBatch = z.infer<typeof TaskLogBatchSchema>

/** The `Nats-Msg-Id` of an attempt's `seq`-th log batch. */
export function taskLogBatchId(runId: string, taskId: string, attempt: number, seq: number): string {
  return `${runId}.${taskId}.${attempt}.${seq}`
}
