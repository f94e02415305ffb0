import { z } from 'zod'
import { TriggerRule, TaskKind } from '../status.js'

/**
 * The one zod schema behind workflow definitions, whether written with the TypeScript DSL or as
 * JSON/YAML. Field names follow the design brief's example. The `.describe()` texts end up in
 * docs/schemas/workflow.schema.json (scripts/generate-definition-schema.ts), where editors show
 * them; they change nothing in validation. docs/definitions.md is the full reference.
 */

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/
const nameRule = 'must start with a letter and contain only letters, digits, _ and - (at most 100 chars)'

/** A duration: `"30s"`, `"10m"`, `"1h30m"`, or milliseconds. Parsed at compile time so errors quote the text. */
export const DurationText = z
  .union([z.string().min(1), z.number().nonnegative()])
  .describe('A duration: number-and-unit parts with units ms, s, m, h, d ("500ms", "30s", "10m", "1h30m", "2d"), or a number of milliseconds.')

/** Retry policy: attempts counts the first try; backoff grows by factor up to maxBackoff. */
export const RetryPolicySchema = z
  .strictObject({
    attempts: z.number().int().min(1).max(100).default(1).describe('Attempts in all, counting the first (1-100). Default 1: no retry.'),
    backoff: DurationText.default('10s').describe('Delay after the first failed attempt; each later delay is `factor` times the previous one. Default "10s".'),
    factor: z.number().min(1).max(10).default(2).describe('Growth of the delay from one retry to the next (1-10). Default 2.'),
    maxBackoff: DurationText.default('1h').describe('Longest delay between two attempts. Default "1h".'),
    /** true = up to 20% random spread; a number in [0,1] sets the spread. */
    jitter: z
      .union([z.boolean(), z.number().min(0).max(1)])
      .default(true)
      .describe('true (default): each delay is shortened by a random fraction of up to 20%; false: exact delays; a number in [0, 1]: that largest fraction.'),
  })
  .describe('Retry policy. Only retryable failures are retried (a non-zero exit, a 5xx/429, a timeout, a lost heartbeat), while attempts are left.')

/** Timeouts: a single duration is the execution timeout. */
export const TimeoutSchema = z
  .union([
    DurationText,
    z.strictObject({
      execution: DurationText.optional().describe('Longest time an attempt may run, counted from its start; it then fails with kind `timeout` (retryable). None by default.'),
      heartbeat: DurationText.optional().describe('The attempt fails (`heartbeat_timeout`, retryable) when its worker sends no heartbeat for this long. At least 1s; default "10s".'),
      scheduleToStart: DurationText.optional().describe(
        'The attempt fails (`schedule_to_start_timeout`, retryable) when no worker has started it this long after it was queued. None by default.',
      ),
    }),
  ])
  .describe('A duration (the execution timeout) or { execution, heartbeat, scheduleToStart }.')

/** Built-in runner: a shell command run by the stock worker. */
export const ShRunSchema = z
  .strictObject({
    sh: z
      .string()
      .min(1)
      .describe('Command run with /bin/sh -c. Exit 0 succeeds, with the last non-empty stdout line as output when it is JSON (else null); any other exit fails, retryably.'),
    env: z.record(z.string(), z.string()).optional().describe("Environment variables added to the worker's own; the BATON_* variables always win."),
    cwd: z.string().optional().describe("Working directory of the command (relative to the worker's). Default: the worker's."),
  })
  .describe('Run a shell command on the stock worker.')
/** Built-in runner: an HTTP request made by the stock worker; 2xx succeeds. */
export const HttpRunSchema = z
  .strictObject({
    http: z
      .strictObject({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST').describe('Default POST.'),
        url: z.url().describe('The URL to request.'),
        headers: z.record(z.string(), z.string()).optional().describe('Request headers. `traceparent` and `Idempotency-Key` are added unless set here.'),
        body: z
          .unknown()
          .optional()
          .describe('A string is sent as is; any other value as JSON, with content-type application/json unless set in `headers`.'),
      })
      .describe('A 2xx succeeds, with the JSON response body as output (else { status, body }); 5xx and 429 fail retryably, any other status fails without retry.'),
  })
  .describe('Make an HTTP request from the stock worker.')
/** A sub-workflow: the task starts a run of another workflow and takes its outcome, holding no worker. */
export const SubWorkflowRunSchema = z
  .strictObject({
    workflow: z.string().regex(NAME, nameRule).describe('The workflow to run (deployed, not archived); a cycle through sub-workflows is refused at deploy.'),
    params: z.record(z.string(), z.unknown()).optional().describe("The child run's params (checked against its `params` schema when it starts). Default {}."),
    partition: z.string().min(1).max(200).optional().describe("The child run's partition. Default: the parent run's."),
  })
  .describe("Start a run of another workflow (a child run, one per attempt) and wait for it without a worker: its success succeeds the task with { runId, status, outputs } (the outputs of its last tasks), its failure or cancellation fails it; cancelling the parent cancels the child.")
/** How a task runs when it has no TypeScript handler. */
export const RunSpecSchema = z.union([ShRunSchema, HttpRunSchema, SubWorkflowRunSchema])

/** Dynamic fan-out: the upstream list a mapped task runs over. */
export const MapSchema = z.union([
  z.string().regex(NAME, nameRule).describe('The upstream task whose output is the list (the output itself must be a JSON array).'),
  z
    .strictObject({
      from: z.string().regex(NAME, nameRule).describe('The upstream task whose output holds the list. It becomes an upstream of this task if `after` does not list it.'),
      key: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be letters, digits, _ or - (at most 100 chars)')
        .optional()
        .describe('The field of that output holding the list (e.g. files for { files: [...] }). Default: the output is the list.'),
      reduce: z
        .boolean()
        .optional()
        .describe('true: downstream tasks receive { count, succeeded, failed, failures } (the first 100 failures with index and error) instead of every output. Default false.'),
    })
    .describe('The list and how downstream tasks receive the results.'),
])

/** One task of a workflow. */
export const TaskSchema = z
  .strictObject({
    description: z.string().max(2000).optional().describe('Free text, at most 2000 characters.'),
    owner: z.string().min(1).optional().describe("Owner alerted when this task fails. Default: `defaults.owner`, else the workflow's `owner`."),
    after: z
      .array(z.string())
      .default([])
      .describe('Ids of the upstream tasks. The task waits for them and its `trigger` rule decides on their outcomes. Default []: it starts with the run.'),
    queue: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, _ or - (at most 64 chars)')
      .optional()
      .describe('Queue whose workers run the task: letters, digits, _ or - (at most 64). Default: `defaults.queue`, else "default".'),
    run: RunSpecSchema.optional().describe('A built-in runner, { sh } or { http }, for the stock worker, or { workflow } to run another workflow as a step. Without it, a worker runs the TypeScript handler named `handler`.'),
    /** Name of the TypeScript handler in the worker; defaults to the task id. */
    handler: z.string().min(1).optional().describe('Name of the TypeScript handler in the worker. Default: the task id. Not together with `run`.'),
    kind: z
      .enum(Object.values(TaskKind) as [TaskKind, ...TaskKind[]])
      .default('task')
      .describe(
        'task (default): the output goes to downstream tasks. check: a data-quality gate; its output must be a verdict { passed: true|false, details?, sample? }, anything but passed: true fails the task (not retried). branch: the output `{ follow: [ids] }` names the direct downstream tasks to run (also accepted: `{ branch: ids }`, a bare id or a list); the others are skipped; a choice naming no direct downstream task, or no choice, fails the branch (branch_invalid, not retried). approval: waits, without a worker, until someone allowed approves it (downstream proceeds) or rejects it, or its `timeout` passes (the task fails).',
      ),
    approvers: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('approval tasks only: the owners (or groups) whose members may approve or reject it. Default: anyone with the approver role on the workflow.'),
    retry: RetryPolicySchema.optional().describe('Retry policy. Default: `defaults.retry`, else one attempt.'),
    timeout: TimeoutSchema.optional().describe('A duration (the execution timeout) or { execution, heartbeat, scheduleToStart }. Default: `defaults.timeout`; heartbeat 10s.'),
    trigger: z
      .enum(Object.values(TriggerRule) as [TriggerRule, ...TriggerRule[]])
      .default('all_success')
      .describe("When the task runs, from its upstream tasks' outcomes (Airflow's trigger rules). Default all_success."),
    pool: z
      .string()
      .regex(NAME, nameRule)
      .optional()
      .describe('A pool (`baton pools set`) whose slots the task takes while queued for a worker or running; it waits `queued` while the pool is full. Must exist at deploy.'),
    slots: z.number().int().min(1).max(10_000).optional().describe('Slots of `pool` the task takes. Default 1; at most the pool\'s size.'),
    concurrency: z.number().int().min(1).max(1_000_000).optional().describe('At most this many attempts of this task (across all runs of the workflow) queued for a worker or running at once; the others wait `queued`.'),
    priority: z.number().int().min(-1000).max(1000).optional().describe("Higher first when tasks wait for the same slots (pool or concurrency). Default: the workflow's `priority`, else 0."),
    map: MapSchema.optional().describe(
      "Dynamic fan-out: run this task once per element of an upstream task's output list (an instance `task[i]` each, with its own attempts, retries and timeouts). Downstream tasks wait for every instance and receive their outputs as a list (with `reduce`, a summary). No elements: the task is skipped.",
    ),
  })
  .describe('One task.')

/** Cron schedule (fired by the coordinator; see docs/triggers.md). */
export const ScheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .min(1)
      .describe('5 fields (minute hour day-of-month month day-of-week), 6 with leading seconds, or an alias such as @daily. Parsed by cron-parser v5.'),
    timezone: z.string().default('UTC').describe("IANA time zone of the cron's wall-clock times and of the scheduled runs' partition labels. Default UTC."),
    catchup: z
      .enum(['none', 'latest', 'all'])
      .default('latest')
      .describe('Ticks missed while no coordinator ran: none (only a tick at most 60 s late), latest (default: the newest one), all (each, the newest 1000 at most).'),
    maxActiveRuns: z.number().int().min(1).optional().describe('At most this many runs of the workflow running at once (every trigger but backfills); the others wait queued.'),
    /** How scheduled runs name their partition when the workflow has no `when` (default `date`). */
    partition: z
      .enum(['date', 'hour', 'key'])
      .optional()
      .describe('Partition kind of the scheduled runs when the workflow has no `when`: date (default), hour or key.'),
  })
  .describe('Cron schedule: a run per tick, covering the interval that ends at the tick. With `when`, a tick only arms the partition readiness.')

/** Readiness: start the run for a partition once every listed source has landed for it. */
export const ReadinessSchema = z
  .strictObject({
    sourcesLanded: z.array(z.string().min(1)).min(1).describe('Sources that must all have landed for a partition before its run starts.'),
    partition: z
      .enum(['date', 'hour', 'key'])
      .default('date')
      .describe("The workflow's partition kind: date (YYYY-MM-DD, default), hour (YYYY-MM-DDTHH) or key (any string of 1-200 characters)."),
    expectBy: z
      .string()
      .optional()
      .describe('Deadline for the sources: a time of day "HH:MM" (its first occurrence after the partition ends) or a duration from the first landing ("2h"). Missed: a readiness_missed alert.'),
    /** Timezone of a time-of-day `expectBy` (default: the schedule's, else UTC). */
    timezone: z.string().optional().describe('IANA time zone of a time-of-day `expectBy` and `sla.finishBy`. Default: `schedule.timezone`, else UTC.'),
    rerunOnLateData: z.boolean().default(false).describe("true: a source landing again after the partition's run succeeded starts a rerun (trigger late_data). Default false."),
  })
  .describe('Readiness: start the run for a partition once every listed source has landed for it.')

/** A whole workflow definition in its serialisable (JSON/YAML) form. */
export const WorkflowDefinitionSchema = z
  .strictObject({
    /** Where an editor finds the JSON Schema of this file; not part of the workflow. */
    $schema: z.string().optional().describe('Path or URL of workflow.schema.json, for editor validation and completion. Not part of the workflow.'),
    name: z.string().regex(NAME, nameRule).describe('Unique workflow name: a letter, then letters, digits, _ or - (at most 100 characters).'),
    owner: z.string().min(1).optional().describe('Owner alerted about the workflow (see the alert routing file); tasks inherit it.'),
    description: z.string().max(5000).optional().describe('Free text, at most 5000 characters.'),
    priority: z.number().int().min(-1000).max(1000).optional().describe('Priority of its tasks waiting for slots (pools, task concurrency), unless a task sets its own: higher first. Default 0.'),
    maxActiveRuns: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('At most this many runs of the workflow running at once, however they were triggered (backfills keep their own concurrency); the others wait queued, oldest first. Same as schedule.maxActiveRuns, which it replaces: set one of them.'),
    pools: z
      .record(
        z.string().regex(NAME, nameRule),
        z
          .strictObject({
            slots: z.number().int().min(1).max(10_000).describe('How many slots the pool has.'),
            fairShare: z.boolean().optional().describe('Split a full pool between owners by weight instead of by priority alone. Default false.'),
            description: z.string().max(2000).optional().describe('Free text.'),
          })
          .describe('One pool.'),
      )
      .optional()
      .describe(
        'Pools this workflow relies on, by name. Deploy creates a missing one with this size; an existing one must have the same size (and fair share, when declared), else the deploy is refused naming both (change it with `baton pools set`). Pools are shared: any workflow may use them.',
      ),
    maxMapInstances: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('Most instances one mapped task may have in a run; a longer list fails the task (map_too_large). Default 100000.'),
    schedule: ScheduleSchema.optional(),
    when: ReadinessSchema.optional(),
    /** JSON Schema of the run params (the TS DSL converts its zod schema to this). */
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('JSON Schema (an object schema) of the run params. A run whose params do not validate is rejected. Automatic runs fill a param named after the partition kind, or `partition`.'),
    produces: z
      .array(z.string().min(1))
      .default([])
      .describe("Sources this workflow emits when a run succeeds: one source-landed event each, with the run's partition. Default []."),
    /** The run must finish by a time of day (after its partition ends, in the workflow's timezone) or within a duration of its creation. */
    sla: z
      .strictObject({
        finishBy: z
          .string()
          .min(1)
          .describe('A time of day "HH:MM" (its first occurrence after the run\'s partition ends) or a duration from the run\'s creation ("6h").'),
      })
      .optional()
      .describe('Raise an sla_missed alert when a run has not succeeded by `finishBy`.'),
    defaults: z
      .strictObject({
        queue: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, _ or - (at most 64 chars)')
          .optional()
          .describe('Queue of the tasks without `queue`. Default "default".'),
        retry: RetryPolicySchema.optional().describe('Retry policy of the tasks without `retry` (a task\'s own `retry` replaces it whole).'),
        timeout: TimeoutSchema.optional().describe('Timeout of the tasks without `timeout` (a task\'s own `timeout` replaces it whole).'),
        owner: z.string().optional().describe("Owner of the tasks without `owner`, instead of the workflow's."),
      })
      .optional()
      .describe('Values for the tasks that do not set their own.'),
    tasks: z
      .record(z.string().regex(NAME, nameRule), TaskSchema)
      .refine((t) => Object.keys(t).length > 0, 'a workflow needs at least one task')
      .describe('The tasks by id (a letter, then letters, digits, _ or -; at most 100 characters). At least one.'),
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
