import { DateTime } from 'luxon'
import type { Db } from '../db/connect.js'
import { compileWorkflow } from '../definition/compile.js'
import type { TaskKind, TriggerRule } from '../status.js'
import { nextFireTime } from '../schedule/cron-schedule.js'

/** One task of a workflow's DAG, every option resolved (defaults applied). */
export interface DagNode {
  id: string
  kind: TaskKind
  queue: string
  trigger: TriggerRule
  /** The handler a TypeScript worker runs (absent for `run` tasks and approvals). */
  handler: string | null
  /** `sh` or `http` for a built-in runner, else null. */
  runner: 'sh' | 'http' | null
  owner: string | null
  approvers: string[] | null
  upstream: string[]
  downstream: string[]
  retry: { attempts: number; backoffMs: number; factor: number; maxBackoffMs: number }
  timeouts: { executionMs: number | null; heartbeatMs: number; scheduleToStartMs: number | null }
}

/** One upcoming cron tick, as an instant and in the schedule's timezone. */
export interface FireTime {
  at: string
  local: string
}

/** A deployed workflow as the API's workflow page shows it: definition, DAG, schedule and gate. */
export interface WorkflowDetails {
  name: string
  owner: string | null
  description: string | null
  /** Current version hash. */
  version: string
  updatedAt: string
  archivedAt: string | null
  paused: boolean
  /** The stored (normalised) definition of the current version. */
  definition: unknown
  dag: { nodes: DagNode[]; edges: { from: string; to: string }[]; roots: string[] }
  queues: string[]
  produces: string[]
  partitionKind: 'date' | 'hour' | 'key'
  /** The cron schedule with its next ticks (none while archived: the schedule is off). */
  schedule: { cron: string; timezone: string; catchup: string; maxActiveRuns: number | null; nextFireTimes: FireTime[] } | null
  /** The data gate: the sources each partition waits for, and its deadline. */
  gate: { sourcesLanded: string[]; partition: string; expectBy: string | null; timezone: string; rerunOnLateData: boolean } | null
}

const local = (d: Date, zone: string): string => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ')

/**
 * A workflow's current version with its DAG (topological order), schedule with the next
 * `fireTimes` ticks from the durable `schedules.next_fire_at`, and data gate; undefined when no
 * workflow has this name.
 */
export async function getWorkflowDetails(db: Db, name: string, options: { fireTimes?: number } = {}): Promise<WorkflowDetails | undefined> {
  const row = await db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .leftJoin('schedules as s', 's.workflow', 'w.name')
    .select(['w.name', 'w.current_hash', 'w.updated_at', 'w.archived_at', 'w.paused', 'v.definition', 's.next_fire_at'])
    .where('w.name', '=', name)
    .executeTakeFirst()
  if (!row) return undefined
  const wf = compileWorkflow(row.definition)
  const def = wf.definition
  const nodes: DagNode[] = wf.order.map((id) => {
    const t = wf.tasks.get(id)!
    const runner = t.run ? ('sh' in t.run ? 'sh' : 'http') : null
    return {
      id,
      kind: t.kind,
      queue: t.queue,
      trigger: t.trigger,
      handler: t.run || t.kind === 'approval' ? null : t.handler,
      runner,
      owner: t.owner ?? null,
      approvers: t.approvers ? [...t.approvers] : null,
      upstream: [...t.upstream],
      downstream: [...t.downstream],
      retry: { attempts: t.retry.attempts, backoffMs: t.retry.backoffMs, factor: t.retry.factor, maxBackoffMs: t.retry.maxBackoffMs },
      timeouts: { executionMs: t.timeouts.executionMs ?? null, heartbeatMs: t.timeouts.heartbeatMs, scheduleToStartMs: t.timeouts.scheduleToStartMs ?? null },
    }
  })
  let schedule: WorkflowDetails['schedule'] = null
  if (def.schedule) {
    // As the cron scheduler computes them (no hash seed).
    const sched = { cron: def.schedule.cron, timezone: def.schedule.timezone }
    const ticks: Date[] = []
    // The durable next tick first (what the scheduler will fire), then the ones after it.
    for (let at = row.next_fire_at ? new Date(row.next_fire_at) : undefined; at && ticks.length < (options.fireTimes ?? 5); at = nextFireTime(sched, at)) ticks.push(at)
    schedule = {
      cron: def.schedule.cron,
      timezone: def.schedule.timezone,
      catchup: def.schedule.catchup,
      maxActiveRuns: def.maxActiveRuns ?? def.schedule.maxActiveRuns ?? null,
      nextFireTimes: ticks.map((t) => ({ at: t.toISOString(), local: local(t, def.schedule!.timezone) })),
    }
  }
  return {
    name: wf.name,
    owner: def.owner ?? null,
    description: def.description ?? null,
    version: row.current_hash,
    updatedAt: new Date(row.updated_at).toISOString(),
    archivedAt: row.archived_at ? new Date(row.archived_at).toISOString() : null,
    paused: row.paused,
    definition: row.definition,
    dag: { nodes, edges: nodes.flatMap((n) => n.upstream.map((from) => ({ from, to: n.id }))), roots: [...wf.roots] },
    queues: [...wf.queues],
    produces: [...def.produces],
    partitionKind: wf.partitionKind,
    schedule,
    gate: def.when
      ? { sourcesLanded: [...def.when.sourcesLanded], partition: def.when.partition, expectBy: def.when.expectBy ?? null, timezone: wf.timezone, rerunOnLateData: def.when.rerunOnLateData }
      : null,
  }
}
