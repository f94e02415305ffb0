import { z } from 'zod'
import { AllowedSchema, Instant, Json, RunStatusSchema, TaskKindSchema, TriggerRuleSchema } from './common.js'

/** A run as a workflow lists it: id, status, partition, creation time. */
export const RunRefSchema = z.object({ id: z.string(), status: RunStatusSchema, partition: z.string().nullable(), createdAt: Instant })

/** Freshness of a workflow's newest partition (`baton status`). */
export const FreshnessSchema = z
  .object({
    workflow: z.string(),
    produces: z.array(z.string()),
    owner: z.string().nullable(),
    state: z.enum(['complete', 'partial', 'failed', 'stale', 'unknown']),
    latestPartition: z.string().nullable(),
    expectedPartition: z.string().nullable(),
    latestStatus: z.string().nullable(),
    lastSuccessPartition: z.string().nullable(),
    ageSeconds: z.number().nullable(),
    withinSla: z.boolean().nullable(),
    missing: z.array(z.string()).describe('What keeps the latest partition from being complete (sources awaited, tasks failed or running).'),
  })
  .meta({ id: 'Freshness' })

/** One line of `GET /workflows`. */
export const WorkflowSummarySchema = z
  .object({
    name: z.string(),
    owner: z.string().nullable(),
    description: z.string().nullable(),
    version: z.string().describe('Current version hash'),
    updatedAt: Instant,
    archivedAt: Instant.nullable(),
    paused: z.boolean(),
    schedule: z
      .object({ cron: z.string(), timezone: z.string(), nextFireAt: Instant.nullable(), nextFireLocal: z.string().nullable().describe('The next tick in the schedule’s timezone') })
      .nullable(),
    gate: z.object({ sourcesLanded: z.array(z.string()), partition: z.string(), expectBy: z.string().nullable() }).nullable(),
    queues: z.array(z.string()),
    tasks: z.number().int(),
    lastRun: RunRefSchema.nullable(),
    recentRuns: z.array(RunRefSchema),
    openAlerts: z.number().int(),
    freshness: FreshnessSchema.nullable().describe('Null for archived workflows'),
  })
  .meta({ id: 'WorkflowSummary' })

const DagNodeSchema = z.object({
  id: z.string(),
  kind: TaskKindSchema,
  queue: z.string(),
  trigger: TriggerRuleSchema,
  handler: z.string().nullable(),
  runner: z.enum(['sh', 'http']).nullable(),
  owner: z.string().nullable(),
  approvers: z.array(z.string()).nullable(),
  upstream: z.array(z.string()),
  downstream: z.array(z.string()),
  retry: z.object({ attempts: z.number().int(), backoffMs: z.number(), factor: z.number(), maxBackoffMs: z.number() }),
  timeouts: z.object({ executionMs: z.number().nullable(), heartbeatMs: z.number(), scheduleToStartMs: z.number().nullable() }),
})

/** `GET /workflows/{name}`. */
export const WorkflowDetailsSchema = z
  .object({
    name: z.string(),
    owner: z.string().nullable(),
    description: z.string().nullable(),
    version: z.string(),
    updatedAt: Instant,
    archivedAt: Instant.nullable(),
    paused: z.boolean(),
    definition: Json.describe('The current version’s normalised definition'),
    dag: z.object({
      nodes: z.array(DagNodeSchema).describe('Tasks in topological order'),
      edges: z.array(z.object({ from: z.string(), to: z.string() })),
      roots: z.array(z.string()),
    }),
    queues: z.array(z.string()),
    produces: z.array(z.string()),
    partitionKind: z.enum(['date', 'hour', 'key']),
    schedule: z
      .object({
        cron: z.string(),
        timezone: z.string(),
        catchup: z.string(),
        maxActiveRuns: z.number().int().nullable(),
        nextFireTimes: z.array(z.object({ at: Instant, local: z.string() })),
      })
      .nullable(),
    gate: z.object({ sourcesLanded: z.array(z.string()), partition: z.string(), expectBy: z.string().nullable(), timezone: z.string(), rerunOnLateData: z.boolean() }).nullable(),
    allowed: AllowedSchema,
  })
  .meta({ id: 'WorkflowDetails' })

/** One version in `GET /workflows/{name}/versions`. */
export const WorkflowVersionSummarySchema = z.object({ hash: z.string(), createdAt: Instant, current: z.boolean() })

/** `GET /workflows/{name}/versions/{hash}`. */
export const WorkflowVersionSchema = WorkflowVersionSummarySchema.extend({ name: z.string(), definition: Json })

/** One partition of `GET /workflows/{name}/readiness`. */
export const PartitionReadinessSchema = z.object({
  workflow: z.string(),
  partition: z.string(),
  status: z.string().describe('waiting (for sources), started (a run exists), missed (deadline passed), or another word the coordinator records'),
  required: z.array(z.string()),
  missing: z.array(z.string()),
  landings: z.array(z.object({ source: z.string(), uri: z.string().nullable(), landedAt: Instant })),
  deadline: Instant.nullable(),
  runId: z.string().nullable(),
})

/** `GET /workflows/{name}/history`: one deploy. */
export const WorkflowDeploymentSchema = z
  .object({
    hash: z.string(),
    deployedBy: z.string().nullable().describe('cli:<OS user>, token:<name> or oidc:<sub>; null for a version stored before deploys were recorded'),
    deployedAt: z.string(),
    restored: z.boolean().describe('The deploy restored an archived workflow'),
    current: z.boolean(),
    runs: z.number().int().describe('Runs on this version'),
  })
  .meta({ id: 'WorkflowDeployment' })

/** `GET /workflows/{name}/diff`. */
export const WorkflowDiffSchema = z
  .object({
    workflow: z.string(),
    from: z.string(),
    to: z.string(),
    changes: z.array(z.object({ path: z.string(), kind: z.enum(['added', 'removed', 'changed']), before: Json.optional(), after: Json.optional() })),
  })
  .meta({ id: 'WorkflowDiff' })

