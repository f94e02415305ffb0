import type { Db } from '../db/connect.js'
import { currentDefinitions } from './definition-store.js'

/** One partition's readiness: what landed, what is missing, and what happened. */
export interface PartitionReadiness {
  workflow: string
  partition: string
  /** `waiting` for sources, `started` (a run exists), or `missed` (deadline passed). */
  status: string
  required: string[]
  missing: string[]
  landings: { source: string; uri: string | null; landedAt: string }[]
  deadline: string | null
  runId: string | null
}

/**
 * Answers "why hasn't this run started?": for a workflow that waits on sources, the latest
 * partitions (or one) with the sources that landed and those still missing.
 */
export async function getReadiness(db: Db, workflow: string, filter: { partition?: string; limit?: number } = {}): Promise<PartitionReadiness[] | undefined> {
  const definition = (await currentDefinitions(db, [workflow])).get(workflow)
  if (!definition) return undefined
  const required = (definition as { when?: { sourcesLanded?: string[] } }).when?.sourcesLanded ?? []
  let q = db.selectFrom('readiness').selectAll().where('workflow', '=', workflow).orderBy('partition', 'desc').limit(filter.limit ?? 10)
  if (filter.partition) q = q.where('partition', '=', filter.partition)
  const rows = await q.execute()
  const out: PartitionReadiness[] = []
  for (const r of rows) {
    const landings = required.length
      ? await db
          .selectFrom('source_landings')
          .select(['source', 'uri', 'landed_at'])
          .where('partition', '=', r.partition)
          .where('source', 'in', required)
          .orderBy('id')
          .execute()
      : []
    out.push({
      workflow,
      partition: r.partition,
      status: r.status,
      required,
      missing: required.filter((s) => !r.landed.includes(s)),
      landings: landings.map((l) => ({ source: l.source, uri: l.uri, landedAt: new Date(l.landed_at).toISOString() })),
      deadline: r.deadline_at ? new Date(r.deadline_at).toISOString() : null,
      runId: r.run_id,
    })
  }
  if (filter.partition && out.length === 0 && required.length > 0) {
    out.push({ workflow, partition: filter.partition, status: 'waiting', required, missing: required, landings: [], deadline: null, runId: null })
  }
  return out
}
