import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import type { RunRow } from '../db/types.js'

/** What started a run and with which inputs: the trail behind "why did this run, on what?". */
export interface RunContext {
  /** `manual`, `api`, `cron`, `readiness`, `late_data`, `backfill`. */
  trigger: string
  /** The cron time a scheduled run is for. */
  scheduledFor: string | null
  /** The backfill a run belongs to. */
  backfillId: string | null
  /** The source landings that made the partition ready (latest of each source before the run). */
  landings: { source: string; partition: string | null; uri: string | null; landedAt: string; eventId: string; producedBy: { workflow: string; runId: string } | null }[]
  /** Runs of other workflows whose `produces` landed those sources. */
  upstreamRuns: { workflow: string; runId: string }[]
  /** Definition version the run executes. */
  versionHash: string
  /** True once the run reached a terminal status. */
  completed: boolean
}

/** The context of a run (landings are looked up for readiness and late-data runs). */
export async function getRunContext(db: Db, run: RunRow, sources: readonly string[]): Promise<RunContext> {
  let landings: RunContext['landings'] = []
  // Compared in SQL: the completing landing and the run share one transaction, and JS dates
  // would drop the microseconds that make them equal.
  if ((run.trigger === 'readiness' || run.trigger === 'late_data') && sources.length > 0) {
    const rows = await sql<{ source: string; partition: string | null; uri: string | null; landed_at: Date; event_id: string; meta: { producedBy?: { workflow: string; runId: string } } | null }>`
      SELECT DISTINCT ON (source) source, partition, uri, landed_at, event_id, meta FROM source_landings
      WHERE source = ANY(${[...sources]}::text[]) AND partition IS NOT DISTINCT FROM ${run.partition} AND received_at <= (SELECT created_at FROM runs WHERE id = ${run.id}::uuid)
      ORDER BY source, id DESC`.execute(db)
    landings = rows.rows.map((r) => ({
      source: r.source,
      partition: r.partition,
      uri: r.uri,
      landedAt: new Date(r.landed_at).toISOString(),
      eventId: r.event_id,
      producedBy: r.meta?.producedBy ?? null,
    }))
  }
  return {
    trigger: run.trigger,
    scheduledFor: run.scheduled_for ? new Date(run.scheduled_for).toISOString() : null,
    backfillId: run.backfill_id,
    landings,
    upstreamRuns: landings.flatMap((l) => (l.producedBy ? [l.producedBy] : [])),
    versionHash: run.version_hash,
    completed: ['succeeded', 'failed', 'cancelled'].includes(run.status),
  }
}
