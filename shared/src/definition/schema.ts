import { z } from 'zod'
import { TriggerRule, TaskKind } from '../status.js'

/**
 * The one zod schema behind workflow definitions, whether written with the TypeScript DSL or as
 * JSON/YAML. Field names follow the design brief's example.
 */

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/
const nameRule = 'must start with a letter and contain only letters, digits, _ and - (at most 100 chars)'

/** A duration: `"30s"`, `"10m"`, `"1h30m"`, or milliseconds. Parsed at compile time so errors quote the text. */
export const DurationText = z.union([z.string().min(1), z.number().nonnegative()])

/** Retry policy: attempts counts the first try; backoff grows by factor up to maxBackoff. */
export const RetryPolicySchema = z.strictObject({
  attempts: z.number().int().min(1).max(100).default(1),
  backoff: DurationText.default('10s'),
  factor: z.number().min(1).max(10).default(2),
  maxBackoff: DurationText.default('1h'),
  /** true = up to 20% random spread; a number in [0,1] sets the spread. */
  jitter: z.union([z.boolean(), z.number().min(0).max(1)]).default(true),
})

/** Timeouts: a single duration is the execution timeout. */
export const TimeoutSchema = z.union([
  DurationText,
  z.strictObject({
    execution: DurationText.optional(),
    heartbeat: DurationText.optional(),
    scheduleToStart: DurationText.optional(),
  }),
])

/** Built-in runner: a shell command run by the stock worker. */
export const ShRunSchema = z.strictObject({
  sh: z.string().min(1),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
})
/** Built-in runner: an HTTP request made by the stock worker; 2xx succeeds. */
export const HttpRunSchema = z.strictObject({
  http: z.strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: z.url(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
  }),
})
/** How a task runs when it has no TypeScript handler. */
export const RunSpecSchema = z.union([ShRunSchema, HttpRunSchema])

/** One task of a workflow. */
export const TaskSchema = z.strictObject({
  description: z.string().max(2000).optional(),
  owner: z.string().min(1).optional(),
  after: z.array(z.string()).default([]),
  queue: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, _ or - (at most 64 chars)').optional(),
  run: RunSpecSchema.optional(),
  /** Name of the TypeScript handler in the worker; defaults to the task id. */
  handler: z.string().min(1).optional(),
  kind: z.enum(Object.values(TaskKind) as [TaskKind, ...TaskKind[]]).default('task'),
  retry: RetryPolicySchema.optional(),
  timeout: TimeoutSchema.optional(),
  trigger: z.enum(Object.values(TriggerRule) as [TriggerRule, ...TriggerRule[]]).default('all_success'),
})

/** Cron schedule (fired by the coordinator; see docs/triggers.md). */
export const ScheduleSchema = z.strictObject({
  cron: z.string().min(1),
  timezone: z.string().default('UTC'),
  catchup: z.enum(['none', 'latest', 'all']).default('latest'),
  maxActiveRuns: z.number().int().min(1).optional(),
  /** How scheduled runs name their partition when the workflow has no `when` (default `date`). */
  partition: z.enum(['date', 'hour', 'key']).optional(),
})

/** Readiness: start the run for a partition once every listed source has landed for it. */
export const ReadinessSchema = z.strictObject({
  sourcesLanded: z.array(z.string().min(1)).min(1),
  partition: z.enum(['date', 'hour', 'key']).default('date'),
  expectBy: z.string().optional(),
  /** Timezone of a time-of-day `expectBy` (default: the schedule's, else UTC). */
  timezone: z.string().optional(),
  rerunOnLateData: z.boolean().default(false),
})

/** A whole workflow definition in its serialisable (JSON/YAML) form. */
export const WorkflowDefinitionSchema = z.strictObject({
  name: z.string().regex(NAME, nameRule),
  owner: z.string().min(1).optional(),
  description: z.string().max(5000).optional(),
  schedule: ScheduleSchema.optional(),
  when: ReadinessSchema.optional(),
  /** JSON Schema of the run params (the TS DSL converts its zod schema to this). */
  params: z.record(z.string(), z.unknown()).optional(),
  produces: z.array(z.string().min(1)).default([]),
  /** The run must finish by a time of day (after its partition ends, in the workflow's timezone) or within a duration of its creation. */
  sla: z.strictObject({ finishBy: z.string().min(1) }).optional(),
  defaults: z
    .strictObject({ queue: z.string().optional(), retry: RetryPolicySchema.optional(), timeout: TimeoutSchema.optional(), owner: z.string().optional() })
    .optional(),
  tasks: z.record(z.string().regex(NAME, nameRule), TaskSchema).refine((t) => Object.keys(t).length > 0, 'a workflow needs at least one task'),
})

/** A workflow definition as written (before defaults are applied). */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinitionSchema>
/** A workflow definition after zod parsing. */
export type WorkflowDefinition = z.output<typeof WorkflowDefinitionSchema>
/** A task definition as written. */
export type TaskDefinitionInput = z.input<typeof TaskSchema>
/** A task definition after zod parsing. */
export type TaskDefinition = z.output<typeof TaskSchema>
/** A built-in runner spec. */
export type RunSpec = z.output<typeof RunSpecSchema>
