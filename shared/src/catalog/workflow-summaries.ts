import type { Db } from '../db/connect.js'
import type { RunStatus } from '../status.js'
import { DateTime } from 'luxon'

/** One line of `baton workflows` (and the API's workflow list). */
export interface WorkflowSummary {
  name: string
  owner: string | null
  description: string | null
  /** Current version hash. */
  version: string
  updatedAt: string
  /** When `baton undeploy` archived it (null: active). */
  archivedAt: string | null
  /** The cron schedule and its next tick, as an instant and in the schedule's timezone (null when archived or none). */
  schedule: { cron: string; timezone: string; nextFireAt: string | null; nextFireLocal: string | null } | null
  /** The data gate: the sources each partition waits for. */
  gate: { sourcesLanded: string[]; partition: string; expectBy: string | null } | null
  /** Queues its tasks use. */
  queues: string[]
  tasks: number
  lastRun: { id: string; status: RunStatus; partition: string | null; createdAt: string } | null
}

interface Def {
  owner?: string
  description?: string
  schedule?: { cron: string; timezone?: string }
  when?: { sourcesLanded: string[]; partition?: string; expectBy?: string }
  defaults?: { queue?: string }
  tasks?: Record<string, { queue?: string }>
}

/** Every deployed workflow with its schedule, data gate and last run, by name; archived ones included. */
export async function listWorkflowSummaries(db: Db): Promise<WorkflowSummary[]> {
  const rows = await db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .leftJoin('schedules as s', 's.workflow', 'w.name')
    .select(['w.name', 'w.current_hash', 'w.updated_at', 'w.archived_at', 'v.definition', 's.next_fire_at'])
    .orderBy('w.name')
    .execute()
  const last = await db
    .selectFrom('runs')
    .select(['workflow', 'id', 'status', 'partition', 'created_at'])
    .distinctOn('workflow')
    .orderBy('workflow')
    .orderBy('created_at', 'desc')
    .execute()
  const lastBy = new Map(last.map((r) => [r.workflow, r]))
  return rows.map((r) => {
    const def = r.definition as Def
    const tz = def.schedule?.timezone ?? 'UTC'
    const next = r.next_fire_at ? new Date(r.next_fire_at) : null
    const queues = [...new Set(Object.values(def.tasks ?? {}).map((t) => t.queue ?? def.defaults?.queue ?? 'default'))].sort()
    const run = lastBy.get(r.name)
    return {
      name: r.name,
      owner: def.owner ?? null,
      description: def.description ?? null,
      version: r.current_hash,
      updatedAt: new Date(r.updated_at).toISOString(),
      archivedAt: r.archived_at ? new Date(r.archived_at).toISOString() : null,
      schedule: def.schedule
        ? {
            cron: def.schedule.cron,
            timezone: tz,
            nextFireAt: next?.toISOString() ?? null,
            nextFireLocal: next ? DateTime.fromJSDate(next, { zone: tz }).toFormat("yyyy-LL-dd HH:mm ZZZZ") : null,
          }
        : null,
      gate: def.when ? { sourcesLanded: def.when.sourcesLanded, partition: def.when.partition ?? 'date', expectBy: def.when.expectBy ?? null } : null,
      queues,
      tasks: Object.keys(def.tasks ?? {}).length,
      lastRun: run ? { id: run.id, status: run.status as RunStatus, partition: run.partition, createdAt: new Date(run.created_at).toISOString() } : null,
    }
  })
}
