import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Db } from '../db/connect.js'
import { readinessDeadline } from '../schedule/readiness-deadline.js'

/** The on-call answer for one workflow: is its latest data complete, partial, stale or failed? */
export interface Freshness {
  workflow: string
  produces: string[]
  owner: string | null
  /** `complete` (the expected partition succeeded), `partial` (in progress, or sources still landing), `failed` (its latest run failed), `stale` (nothing newer than an old partition), `unknown` (never ran). */
  state: 'complete' | 'partial' | 'failed' | 'stale' | 'unknown'
  /** The newest partition with a run, and the one expected now (date: yesterday, hour: the previous hour, in the workflow's timezone). */
  latestPartition: string | null
  expectedPartition: string | null
  latestStatus: string | null
  /** Newest partition that succeeded, and how long ago it finished (seconds). */
  lastSuccessPartition: string | null
  ageSeconds: number | null
  /** Whether the latest partition finished within its SLA (null: no SLA, or not due yet). */
  withinSla: boolean | null
}

interface Def {
  owner?: string
  produces?: string[]
  schedule?: { timezone?: string; partition?: 'date' | 'hour' | 'key' }
  when?: { partition?: 'date' | 'hour' | 'key'; timezone?: string; sourcesLanded?: string[] }
  sla?: { finishBy: string }
}

function expected(kind: string, tz: string, now: Date): string | null {
  const t = DateTime.fromJSDate(now, { zone: tz })
  if (kind === 'date') return t.minus({ days: 1 }).toFormat('yyyy-LL-dd')
  if (kind === 'hour') return t.minus({ hours: 1 }).toFormat("yyyy-LL-dd'T'HH")
  return null
}

/** Freshness of every deployed workflow (or one), newest partitions first. */
export async function getFreshness(db: Db, now: Date = new Date(), workflow?: string): Promise<Freshness[]> {
  let q = db.selectFrom('workflows as w').innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash').select(['w.name', 'v.definition']).orderBy('w.name')
  if (workflow) q = q.where('w.name', '=', workflow)
  const out: Freshness[] = []
  for (const { name, definition } of await q.execute()) {
    const def = definition as Def
    const kind = def.when?.partition ?? def.schedule?.partition ?? 'date'
    const tz = def.when?.timezone ?? def.schedule?.timezone ?? 'UTC'
    const latest = await sql<{ partition: string | null; status: string; finished_at: Date | null; created_at: Date }>`
      SELECT partition, status, finished_at, created_at FROM runs WHERE workflow = ${name}
      ORDER BY partition DESC NULLS LAST, created_at DESC LIMIT 1`.execute(db)
    const success = await sql<{ partition: string | null; finished_at: Date }>`
      SELECT partition, finished_at FROM runs WHERE workflow = ${name} AND status = 'succeeded'
      ORDER BY partition DESC NULLS LAST, finished_at DESC LIMIT 1`.execute(db)
    const l = latest.rows[0]
    const ok = success.rows[0]
    const exp = expected(kind, tz, now)
    const waiting = def.when
      ? await db.selectFrom('readiness').select('partition').where('workflow', '=', name).where('status', 'in', ['waiting', 'missed']).orderBy('partition', 'desc').executeTakeFirst()
      : undefined
    let state: Freshness['state']
    if (!l && !waiting) state = 'unknown'
    else if (l && (l.status === 'running' || l.status === 'queued')) state = 'partial'
    else if (waiting && (!l || (l.partition ?? '') < waiting.partition)) state = 'partial'
    else if (l && (l.status === 'failed' || l.status === 'cancelled')) state = 'failed'
    else if (exp && ok?.partition && ok.partition < exp) state = 'stale'
    else state = ok ? 'complete' : 'unknown'
    let withinSla: boolean | null = null
    if (def.sla && l) {
      const due = readinessDeadline(def.sla.finishBy, l.partition ? kind : 'key', l.partition ?? now.toISOString().slice(0, 10), new Date(l.created_at), tz)
      if (l.status === 'succeeded' && l.finished_at) withinSla = new Date(l.finished_at) <= due
      else if (now > due) withinSla = false
    }
    out.push({
      workflow: name,
      produces: def.produces ?? [],
      owner: def.owner ?? null,
      state,
      latestPartition: l?.partition ?? waiting?.partition ?? null,
      expectedPartition: exp,
      latestStatus: l?.status ?? null,
      lastSuccessPartition: ok?.partition ?? null,
      ageSeconds: ok ? Math.round((now.getTime() - new Date(ok.finished_at).getTime()) / 1000) : null,
      withinSla,
    })
  }
  return out
}
