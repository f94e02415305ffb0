import { z } from 'zod'

/**
 * Wire messages (brief §2): the public contract between Baton and any publisher or worker, in
 * any language. Unknown fields are ignored (zod's default `object` strips them); every message
 * carries `id`, which is also its `Nats-Msg-Id`. `docs/protocol.md` embeds the JSON Schema
 * generated from these.
 */

/** Largest accepted message body in bytes; larger ones are dead-lettered. */
export const MAX_MESSAGE_BYTES = 1024 * 1024
/** Largest task output a worker may report, in bytes of JSON. */
export const MAX_OUTPUT_BYTES = 256 * 1024

const Id = z.string().min(1).max(200)
const Name = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be letters, digits, _ or - (at most 100 chars)')
/** A task's id, or an instance of a mapped task: `load[3]`. */
const TaskId = z.string().regex(/^[A-Za-z0-9_-]{1,100}(\[\d{1,7}\])?$/, 'must be letters, digits, _ or - (at most 100 chars), or a mapped instance task[i]')
const Partition = z.string().min(1).max(200)
const JsonRecord = z.record(z.string(), z.unknown())

/** `<ns>.events.source.<source>`: a source (table, file, bucket prefix) has landed. */
export const SourceLandedSchema = z.object({
  id: Id,
  source: z.string().min(1).max(200),
  partition: Partition.optional(),
  uri: z.string().max(2000).optional(),
  landedAt: z.iso.datetime({ offset: true }).optional(),
  meta: JsonRecord.optional(),
})
/** A source-landed event. */
export type SourceLanded = z.infer<typeof SourceLandedSchema>

/** Why an attempt failed. `retryable: false` fails the task at once. */
export const TaskErrorSchema = z.object({
  message: z.string().max(8000),
  retryable: z.boolean().default(true),
  /** e.g. `error`, `timeout`, `heartbeat_timeout`, `exit_code`, `http_status`, `check_failed`, `cancelled`. */
  kind: z.string().max(100).default('error'),
  stack: z.string().max(16000).optional(),
})
/** A task attempt's error. */
export type TaskError = z.infer<typeof TaskErrorSchema>

/** Types of task event a worker publishes. */
export const TaskEventType = { started: 'started', heartbeat: 'heartbeat', succeeded: 'succeeded', failed: 'failed' } as const
/** A task event type. */
export type TaskEventType = (typeof TaskEventType)[keyof typeof TaskEventType]

/** `<ns>.events.task.<runId>`: a worker reports progress of one attempt. */
export const TaskEventSchema = z.object({
  id: Id,
  runId: z.uuid(),
  taskId: TaskId,
  attempt: z.number().int().min(1),
  type: z.enum(['started', 'heartbeat', 'succeeded', 'failed']),
  workerId: z.string().min(1).max(200),
  output: z.unknown().optional(),
  error: TaskErrorSchema.optional(),
  /** Captured stdout/stderr tail or other attempt details (kept with the attempt). */
  details: JsonRecord.optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  /**
   * When the handler started, on the worker's clock: sent with a `started` published after the
   * handler began, and with a result that no `started` preceded (the result implies the start;
   * docs/architecture.md, "Deferred start").
   */
  startedAt: z.iso.datetime({ offset: true }).optional(),
})
/** A task event. */
export type TaskEvent = z.infer<typeof TaskEventSchema>

/** `<ns>.events.run.requested`: start a run of a workflow (idempotent by key). */
export const RunRequestedSchema = z.object({
  id: Id,
  workflow: Name,
  partition: Partition.optional(),
  params: JsonRecord.optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** What asked for it: `manual`, `api`, `cron`, `readiness` (also chained via `produces`), `late_data`, `backfill`, `parent`. */
  trigger: z.string().max(50).optional(),
  /** A child run (sub-workflow): the parent run, task and attempt waiting for it. */
  parent: z.object({ runId: z.uuid(), taskId: Name, attempt: z.number().int().min(1) }).optional(),
})
/** A run request. */
export type RunRequested = z.infer<typeof RunRequestedSchema>

/** `<ns>.events.run.cancel_requested`: cancel a run; running tasks are told to abort. */
export const RunCancelRequestedSchema = z.object({
  id: Id,
  runId: z.uuid(),
  reason: z.string().max(2000).optional(),
})
/** A cancellation request. */
export type RunCancelRequested = z.infer<typeof RunCancelRequestedSchema>

/** What an operator can ask of a run (docs/operations.md, "Operator actions"). */
export const RunAction = { retry: 'retry', clear: 'clear', mark: 'mark', approve: 'approve', reject: 'reject' } as const
/** An operator action on a run. */
export type RunAction = (typeof RunAction)[keyof typeof RunAction]

/**
 * `<ns>.events.run.action_requested`: an operator's action on a run, applied by the coordinator
 * like any other event (the API never writes run state). `id` makes it idempotent (it is also the
 * `Nats-Msg-Id`); the coordinator records what it did, or why it ignored it, in the run's history
 * under this id.
 */
export const RunActionRequestedSchema = z
  .object({
    id: Id,
    runId: z.uuid(),
    action: z.enum(['retry', 'clear', 'mark', 'approve', 'reject']),
    /** The task (every action but `retry`). */
    taskId: Name.optional(),
    /** `clear` only: the task alone, or with everything downstream, or with everything upstream. */
    scope: z.enum(['task', 'downstream', 'upstream']).default('task'),
    /** `mark` only. */
    status: z.enum(['succeeded', 'failed']).optional(),
    /** Who asked (the API's principal id, or `cli:<user>`): recorded in history and in the approval. */
    by: z.string().min(1).max(200),
    reason: z.string().max(2000).optional(),
    /** `retry` only: move the run to its workflow's current version first (refused, naming the tasks, when they are not compatible). */
    toLatest: z.boolean().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.toLatest && m.action !== 'retry') ctx.addIssue({ code: 'custom', path: ['toLatest'], message: 'only for action retry' })
    if (m.action !== 'retry' && m.taskId === undefined) ctx.addIssue({ code: 'custom', path: ['taskId'], message: `required for action ${m.action}` })
    if (m.action === 'mark' && m.status === undefined) ctx.addIssue({ code: 'custom', path: ['status'], message: 'required for action mark (succeeded or failed)' })
    if (m.action === 'mark' && !m.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required for action mark' })
  })
/** An operator's action on a run. */
export type RunActionRequested = z.infer<typeof RunActionRequestedSchema>

/**
 * `<ns>.events.workflow.pause_requested`: pause or unpause a workflow. While paused, cron ticks
 * and complete partitions are held (no run starts); on unpause the catch-up policy decides.
 */
export const WorkflowPauseRequestedSchema = z.object({
  id: Id,
  workflow: Name,
  paused: z.boolean(),
  by: z.string().min(1).max(200),
  reason: z.string().max(2000).optional(),
})
/** A pause or unpause request. */
export type WorkflowPauseRequested = z.infer<typeof WorkflowPauseRequestedSchema>

/** What a worker needs to run a task, beyond the brief's fields (extra fields are allowed). */
export const CommandTaskSchema = z.object({
  handler: z.string(),
  kind: z.string(),
  run: JsonRecord.optional(),
  heartbeatMs: z.number().int().positive(),
  executionMs: z.number().int().positive().optional(),
})

/** `<ns>.commands.<queue>`: run one attempt of one task. Published by the coordinator only. */
export const TaskCommandSchema = z.object({
  id: Id,
  runId: z.uuid(),
  taskId: TaskId,
  attempt: z.number().int().min(1),
  workflow: Name,
  partition: z.string().nullable(),
  params: JsonRecord,
  inputs: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string(),
  /** ISO time by which the attempt must have started (schedule-to-start timeout), or null; the execution budget is `task.executionMs` from start. */
  deadline: z.iso.datetime({ offset: true }).nullable(),
  traceparent: z.string(),
  queue: z.string(),
  task: CommandTaskSchema,
  /** An instance of a mapped task: the mapped task, the instance's index and its element of the list. */
  map: z.object({ task: Name, index: z.number().int().min(0), element: z.unknown() }).optional(),
})
/** A task command. */
export type TaskCommand = z.infer<typeof TaskCommandSchema>

/** `<ns>.control.abort` (core NATS, best effort): stop an attempt that no longer counts. */
export const AbortNoticeSchema = z.object({
  runId: z.uuid(),
  taskId: TaskId.optional(),
  attempt: z.number().int().min(1).optional(),
  workerId: z.string().optional(),
  reason: z.string(),
})
/** An abort notice. */
export type AbortNotice = z.infer<typeof AbortNoticeSchema>

/** `<ns>.events.backfill.requested`: one run per partition in [from, to], at most `concurrency` at once. */
export const BackfillRequestedSchema = z.object({
  /** Also the backfill's id (a UUID): the same request twice is one backfill. */
  id: z.uuid(),
  workflow: Name,
  from: Partition,
  to: Partition,
  concurrency: z.number().int().min(1).max(1000).default(4),
  /** `missing`: partitions never run; `failed`: also those whose latest run failed or was cancelled; `all`: every partition without an active run. */
  rerun: z.enum(['missing', 'failed', 'all']).default('missing'),
  params: JsonRecord.optional(),
})
/** A backfill request. */
export type BackfillRequested = z.infer<typeof BackfillRequestedSchema>

/** `<ns>.events.backfill.cancel_requested`: cancel a backfill's queued and running runs. */
export const BackfillCancelRequestedSchema = z.object({
  id: Id,
  backfillId: z.uuid(),
  reason: z.string().max(2000).optional(),
})
/** A backfill cancellation. */
export type BackfillCancelRequested = z.infer<typeof BackfillCancelRequestedSchema>

/** `<ns>.alerts.readiness_missed`: a partition's sources did not all land by the deadline. */
export const ReadinessMissedSchema = z.object({
  id: Id,
  type: z.literal('readiness_missed'),
  workflow: Name,
  partition: Partition,
  owner: z.string().nullable(),
  missing: z.array(z.string()),
  landed: z.array(z.string()),
  deadline: z.iso.datetime({ offset: true }),
  at: z.iso.datetime({ offset: true }),
})
/** A readiness-missed alert. */
export type ReadinessMissed = z.infer<typeof ReadinessMissedSchema>

/**
 * `<ns>.control.attempt_owner` (core NATS request, answered by a coordinator): a worker asks
 * whether an attempt it is about to run is its own — after its `started` had to be retried, or
 * when its command was redelivered (another worker may have it too).
 */
export const AttemptOwnerQuerySchema = z.object({ runId: z.uuid(), taskId: z.string().min(1), attempt: z.number().int().min(1) })
/** An attempt-owner question. */
export type AttemptOwnerQuery = z.infer<typeof AttemptOwnerQuerySchema>
/** The answer: the task's current attempt, status and worker, as committed (null fields: no such task). */
export const AttemptOwnerAnswerSchema = z.object({ attempt: z.number().int().nullable(), status: z.string().nullable(), workerId: z.string().nullable() })
/** An attempt-owner answer. */
export type AttemptOwnerAnswer = z.infer<typeof AttemptOwnerAnswerSchema>
