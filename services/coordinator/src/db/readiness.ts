import { sql, type Selectable } from 'kysely'
import type { Db, ReadinessTable, SourceLanded } from '@baton/shared'

/** Workflows that wait for (`waits`) or produce (`produces`) each of the given sources. */
export async function workflowsBySource(db: Db, sources: readonly string[]): Promise<Map<string, { workflow: string; role: string }[]>> {
  const out = new Map<string, { workflow: string; role: string }[]>()
  if (sources.length === 0) return out
  const rows = await db.selectFrom('workflow_sources').selectAll().where('source', '=', sql<string>`ANY(${[...sources]}::text[])`).execute()
  for (const r of rows) out.set(r.source, [...(out.get(r.source) ?? []), { workflow: r.workflow, role: r.role }])
  return out
}

/** Records a landing; returns its id, or undefined when this event id was recorded before. */
export async function insertLanding(db: Db, l: SourceLanded, now: Date): Promise<number | undefined> {
  const row = await db
    .insertInto('source_landings')
    .values({
      event_id: l.id,
      source: l.source,
      partition: l.partition ?? null,
      uri: l.uri ?? null,
      landed_at: l.landedAt ? new Date(l.landedAt) : now,
      meta: l.meta ? JSON.stringify(l.meta) : null,
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('id')
    .executeTakeFirst()
  return row ? Number(row.id) : undefined
}

/** A workflow partition's readiness after recording one more landed source (row locked until commit). */
export interface ReadinessRow {
  workflow: string
  partition: string
  landed: string[]
  status: string
  run_id: string | null
  inserted: boolean
}

/** Adds a landed source to a partition's readiness, creating the row (with its deadline) if new. */
export async function recordLandedSource(db: Db, workflow: string, partition: string, source: string, now: Date, deadline: Date | null): Promise<ReadinessRow> {
  const r = await sql<ReadinessRow>`
    INSERT INTO readiness (workflow, partition, landed, status, first_landed_at, deadline_at)
    VALUES (${workflow}, ${partition}, ARRAY[${source}]::text[], 'waiting', ${now}, ${deadline})
    ON CONFLICT (workflow, partition) DO UPDATE SET
      landed = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(readiness.landed || excluded.landed) AS x),
      updated_at = now()
    RETURNING workflow, partition, landed, status, run_id, (xmax = 0) AS inserted`.execute(db)
  return r.rows[0]!
}

/** Marks a partition's readiness as started by a run. */
export async function markReadinessStarted(db: Db, workflow: string, partition: string, runId: string): Promise<void> {
  await db.updateTable('readiness').set({ status: 'started', run_id: runId, updated_at: new Date() }).where('workflow', '=', workflow).where('partition', '=', partition).execute()
}

/** Status of a run (for late-data decisions). */
export async function runStatus(db: Db, runId: string): Promise<string | undefined> {
  return (await db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst())?.status
}

/** Registers that a partition is expected (a cron tick of a data-gated workflow), arming its deadline. */
export async function expectPartition(db: Db, workflow: string, partition: string, at: Date, deadline: Date | null): Promise<void> {
  await db
    .insertInto('readiness')
    .values({ workflow, partition, status: 'waiting', first_landed_at: at, deadline_at: deadline })
    .onConflict((oc) => oc.columns(['workflow', 'partition']).doUpdateSet({ deadline_at: sql`COALESCE(readiness.deadline_at, excluded.deadline_at)` }))
    .execute()
}

/** Marks a partition whose run request was rejected (only while it has no run). */
export async function markReadinessRejected(db: Db, workflow: string, partition: string): Promise<void> {
  await db.updateTable('readiness').set({ status: 'rejected', updated_at: new Date() }).where('workflow', '=', workflow).where('partition', '=', partition).where('run_id', 'is', null).execute()
}

/** A partition's readiness row as stored. */
export type StoredReadiness = Selectable<ReadinessTable>

/**
 * Locks `waiting` partitions whose deadline has passed, earliest deadline first, for the
 * caller's transaction. SKIP LOCKED: coordinators share the deadline job, and a row a landing is
 * updating right now is left to the next pass (which sees the landing). A partition of an
 * archived workflow (baton undeploy) is not claimed; its deadline fires again once redeployed.
 */
export async function claimMissedDeadlines(db: Db, now: Date, limit: number): Promise<StoredReadiness[]> {
  return db
    .selectFrom('readiness')
    .selectAll()
    .where('status', '=', 'waiting')
    .where('deadline_at', '<=', now)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('workflows as w').select('w.name').whereRef('w.name', '=', 'readiness.workflow').where('w.archived_at', 'is not', null))))
    .orderBy('deadline_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute()
}

/** Marks a partition's readiness `missed` (call with the row claimed by `claimMissedDeadlines`). */
export async function markReadinessMissed(db: Db, workflow: string, partition: string, now: Date): Promise<void> {
  await db.updateTable('readiness').set({ status: 'missed', updated_at: now }).where('workflow', '=', workflow).where('partition', '=', partition).execute()
}
