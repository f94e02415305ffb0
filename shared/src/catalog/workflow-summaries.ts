import { sql } from 'kysely'
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
  /** While paused, schedule ticks and landings are recorded but start no run. */
  paused: boolean
  /** The cron schedule and its next tick, as an instant and in the schedule's timezone (null when archived or none). */
  schedule: { cron: string; timezone: string; nextFireAt: string | null; nextFireLocal: string | null } | null
  /** The data gate: the sources each partition waits for. */
  gate: { sourcesLanded: string[]; partition: string; expectBy: string | null } | null
  /** Queues its tasks use. */
  queues: string[]
  tasks: number
  lastRun: { id: string; status: RunStatus; partition: string | null; createdAt: string } | null
  /** The latest runs, newest first (at most `recentRuns` of the filter, default 5). */
  recentRuns: { id: string; status: RunStatus; partition: string | null; createdAt: string }[]
  /** Alerts about it still firing. */
  openAlerts: number
}

/** Which workflows `listWorkflowSummaries` returns. */
export interface WorkflowSummaryFilter {
  /** Only these (an empty list matches none). */
  names?: readonly string[]
  /** How many recent runs each carries (default 5). */
  recentRuns?: number
}

interface Def {
  owner?: string
  description?: string
  schedule?: { cron: string; timezone?: string }
  when?: { sourcesLanded: string[]; partition?: string; expectBy?: string }
  defaults?: { queue?: string }
  tasks?: Record<string, { queue?: string }>
}

/** Every deployed workflow with its schedule, data gate and latest runs, by name; archived ones included. */
export async function listWorkflowSummaries(db: Db, filter: WorkflowSummaryFilter = {}): Promise<WorkflowSummary[]> {
  let q = db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .leftJoin('schedules as s', 's.workflow', 'w.name')
    .select(['w.name', 'w.current_hash', 'w.updated_at', 'w.archived_at', 'w.paused', 'v.definition', 's.next_fire_at'])
    .orderBy('w.name')
  if (filter.names) q = q.where('w.name', '=', sql<string>`ANY(${[...filter.names]}::text[])`)
  const rows = await q.execute()
  const names = rows.map((r) => r.name)
  const recentRuns = filter.recentRuns ?? 5
  // The latest runs of each workflow through runs_workflow_created, not a scan of every run.
  const recent = names.length
    ? await sql<{ workflow: string; id: string; status: string; partition: string | null; created_at: Date }>`
        SELECT w.name AS workflow, r.id, r.status, r.partition, r.created_at
        FROM unnest(${names}::text[]) AS w(name)
        CROSS JOIN LATERAL (
          SELECT id, status, partition, created_at FROM runs WHERE workflow = w.name ORDER BY created_at DESC, id DESC LIMIT ${Math.max(1, recentRuns)}
        ) r
        ORDER BY w.name, r.created_at DESC, r.id DESC`.execute(db)
    : { rows: [] }
  const runsBy = new Map<string, WorkflowSummary['recentRuns']>()
  for (const r of recent.rows) {
    const list = runsBy.get(r.workflow) ?? []
    list.push({ id: r.id, status: r.status as RunStatus, partition: r.partition, createdAt: new Date(r.created_at).toISOString() })
    runsBy.set(r.workflow, list)
  }
  const alerts = names.length
    ? await db
        .selectFrom('alerts')
        .select(['workflow', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'firing')
        .where('workflow', '=', sql<string>`ANY(${names}::text[])`)
        .groupBy('workflow')
        .execute()
    : []
  const alertsBy = new Map(alerts.map((a) => [a.workflow, Number(a.n)]))
  return rows.map((r) => {
    const def = r.definition as Def
    const tz = def.schedule?.timezone ?? 'UTC'
    const next = r.next_fire_at ? new Date(r.next_fire_at) : null
    const queues = [...new Set(Object.values(def.tasks ?? {}).map((t) => t.queue ?? def.defaults?.queue ?? 'default'))].sort()
    const runs = runsBy.get(r.name) ?? []
    return {
      name: r.name,
      owner: def.owner ?? null,
      description: def.description ?? null,
      version: r.current_hash,
      updatedAt: new Date(r.updated_at).toISOString(),
      archivedAt: r.archived_at ? new Date(r.archived_at).toISOString() : null,
      paused: r.paused,
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
      lastRun: runs[0] ?? null,
      recentRuns: runs.slice(0, recentRuns),
      openAlerts: alertsBy.get(r.name) ?? 0,
    }
  })
}
