import { z } from 'zod'
import { AllowedSchema, Instant, Json, RunStatusSchema, TaskKindSchema, TaskStatusSchema } from './common.js'

/** A data-quality check's verdict. */
const CheckSchema = z.object({ passed: z.boolean(), details: Json, sample: Json.describe('A few offending rows, when the check returned them') })

/** One line of `GET /runs`. */
export const RunSummarySchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: RunStatusSchema,
    partition: z.string().nullable(),
    trigger: z.string(),
    createdAt: Instant,
    finishedAt: Instant.nullable(),
    tasksTotal: z.number().int(),
    tasksTerminal: z.number().int(),
    error: z.object({ taskId: z.string(), message: z.string() }).nullable().describe('For a failed run: the first failed task and its error'),
  })
  .meta({ id: 'RunSummary' })

/** A page of `GET /runs`. */
export const RunPageSchema = z.object({
  items: z.array(RunSummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
})

const AttemptSchema = z.object({
  attempt: z.number().int(),
  status: z.string(),
  workerId: z.string().nullable(),
  queuedAt: Instant.nullable(),
  startedAt: Instant.nullable(),
  finishedAt: Instant.nullable(),
  queueWaitMs: z.number().nullable().describe('Queued → started: time waiting for a worker'),
  durationMs: z.number().nullable(),
  backoffMs: z.number().nullable().describe('Retry backoff before this attempt'),
  output: Json,
  error: Json,
  check: CheckSchema.nullable(),
})

/** Instances of a mapped task by status (statuses with none are left out). */
const MapCountsSchema = z.partialRecord(TaskStatusSchema, z.number().int()).describe('Instances by status; statuses with none are left out')

/** A mapped task's fan-out. */
const TaskMapSchema = z
  .object({
    from: z.string().describe('The upstream task whose output holds the list'),
    key: z.string().nullable().describe('The field of that output holding the list; null: the output is the list'),
    reduce: z.boolean().describe('Downstream tasks receive a summary instead of every output'),
    total: z.number().int().nullable().describe('How many instances the task has; null until the list was read'),
    counts: MapCountsSchema,
  })
  .meta({ id: 'TaskMap' })

const TaskSchema = z.object({
  id: z.string(),
  status: TaskStatusSchema,
  kind: TaskKindSchema,
  upstream: z.array(z.string()),
  deadline: Instant.nullable().describe('An approval task waiting for a decision: when it times out (null without a timeout, and for every other task)'),
  inputs: z.record(z.string(), Json).describe('What the task receives: its upstream tasks’ outputs by task id'),
  attempts: z.number().int(),
  attemptDetails: z.array(AttemptSchema),
  check: CheckSchema.nullable(),
  queue: z.string(),
  output: Json,
  error: Json,
  workerId: z.string().nullable(),
  queuedAt: Instant.nullable(),
  startedAt: Instant.nullable(),
  finishedAt: Instant.nullable(),
  waitingFor: z.string().nullable().describe('A queued task not yet sent to a worker: the pool or concurrency slots it waits for, e.g. "pool warehouse full 4/4, 12 waiting, position 3"; else null'),
  map: TaskMapSchema.nullable().describe('A mapped task: what it maps over and its instances by status (`GET /runs/{id}/tasks/{taskId}/instances` pages through them); else null. Instances are not listed in `tasks`.'),
})

/** `GET /runs/{id}`. */
export const RunDetailsSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: RunStatusSchema,
    partition: z.string().nullable(),
    params: z.record(z.string(), Json),
    idempotencyKey: z.string(),
    trigger: z.string(),
    versionHash: z.string(),
    cancelReason: z.string().nullable(),
    context: z.object({
      trigger: z.string(),
      scheduledFor: Instant.nullable(),
      backfillId: z.string().nullable(),
      landings: z.array(
        z.object({
          source: z.string(),
          partition: z.string().nullable(),
          uri: z.string().nullable(),
          landedAt: Instant,
          eventId: z.string(),
          producedBy: z.object({ workflow: z.string(), runId: z.string() }).nullable(),
        }),
      ),
      upstreamRuns: z.array(z.object({ workflow: z.string(), runId: z.string() })),
      versionHash: z.string(),
      completed: z.boolean(),
    }),
    trace: z.object({ traceId: z.string(), traceUrl: z.string().nullable().describe('BATON_TRACE_URL with the trace id, when configured') }),
    createdAt: Instant,
    startedAt: Instant.nullable(),
    finishedAt: Instant.nullable(),
    tasks: z.array(TaskSchema),
    parent: z.object({ runId: z.string(), taskId: z.string(), attempt: z.number().int() }).nullable().describe('A child run (sub-workflow): the parent run and task that started it'),
    children: z.array(z.object({ runId: z.string(), workflow: z.string(), status: RunStatusSchema, taskId: z.string(), attempt: z.number().int() })).describe('Child runs its sub-workflow tasks started, oldest first'),
    allowed: AllowedSchema,
  })
  .meta({ id: 'RunDetails' })

/** One stored log line of a task attempt. */
const TaskLogLineSchema = z.object({
  seq: z.number().int().describe('Stream sequence of the batch the line came in'),
  attempt: z.number().int(),
  ts: z.string(),
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
  stream: z.enum(['log', 'stdout', 'stderr']),
  msg: z.string(),
  fields: z.record(z.string(), Json).describe('Structured fields the handler logged with the line'),
})

/** A page of `GET /runs/{id}/tasks/{taskId}/logs`. */
export const TaskLogPageSchema = z.object({
  items: z.array(TaskLogLineSchema),
  next: z.number().int().describe('Pass as `after` for the next page, or later to poll for new lines'),
  more: z.boolean().describe('True when more lines were already stored past this page'),
  skipped: z.number().int().describe('Malformed log messages skipped on this page'),
})

/** `GET /runs/{id}/tasks/{taskId}`: one task, or one instance of a mapped task. */
export const TaskViewSchema = TaskSchema.extend({
  instance: z
    .object({ of: z.string().describe('The mapped task'), index: z.number().int(), element: Json.describe('Its element of the upstream list') })
    .nullable()
    .describe('An instance of a mapped task (`load[3]`): which one; else null'),
}).meta({ id: 'TaskView' })

/** One instance of a mapped task in a page of `GET /runs/{id}/tasks/{taskId}/instances`. */
const MapInstanceSchema = z.object({
  id: z.string().describe('The instance’s task id, e.g. load[3]: its attempts and logs are under it'),
  index: z.number().int(),
  element: Json.describe('Its element of the upstream list'),
  status: TaskStatusSchema,
  attempts: z.number().int(),
  workerId: z.string().nullable(),
  queuedAt: Instant.nullable(),
  startedAt: Instant.nullable(),
  finishedAt: Instant.nullable(),
  durationMs: z.number().nullable().describe('Running time of its latest attempt'),
  error: Json,
  output: Json,
})

/** A page of `GET /runs/{id}/tasks/{taskId}/instances`. */
export const MapInstancePageSchema = z
  .object({
    taskId: z.string(),
    total: z.number().int().nullable().describe('How many instances the task has; null until the list was read'),
    counts: MapCountsSchema.describe('All its instances by status, not only this page’s'),
    instances: z.array(MapInstanceSchema),
    nextAfter: z.number().int().nullable().describe('Pass as `after` for the next page; null on the last page'),
  })
  .meta({ id: 'MapInstancePage' })
