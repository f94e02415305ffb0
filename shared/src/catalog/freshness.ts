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
  /**
   * What keeps the latest partition from being complete, in a few words each: the sources still
   * awaited (`waiting for refunds`), the tasks that failed (`check_facts failed`), what is still
   * running. Empty when complete.
   */
  missing: string[]
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

/** The latest run of the latest partition, and its tasks that are not done, by status. */
interface LatestRun {
  id: string
  partition: string | null
  status: string
  finished_at: Date | null
  created_at: Date
}

/** What a run still lacks, task by task: failed ones first, then what runs or waits. */
async function runGaps(db: Db, run: LatestRun): Promise<string[]> {
  if (run.status === 'succeeded') return []
  const tasks = await db.selectFrom('task_states').select(['task_id', 'status']).where('run_id', '=', run.id).where('map_of', 'is', null).where('status', 'in', ['failed', 'running', 'retrying', 'queued', 'cancelled']).orderBy('task_id').execute()
  const by = (st: string): string[] => tasks.filter((t) => t.status === st).map((t) => t.task_id)
  const gaps = [...by('failed').map((t) => `${t} failed`), ...by('cancelled').map((t) => `${t} cancelled`)]
  const busy = [...by('running'), ...by('retrying'), ...by('queued')]
  if (busy.length > 0) gaps.push(`${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} still running`)
  if (gaps.length === 0) gaps.push(`run ${run.id} ${run.status}`)
  return gaps
}

/**
 * Freshness of every active workflow (or one): the state of its newest partition. A partition is
 * complete when its latest run succeeded (earlier failed attempts at it do not count), partial
 * while its sources land or its run is in progress, failed when its latest run failed or was
 * cancelled, and stale when the newest success is older than the partition expected now.
 * Archived workflows (baton undeploy) are left out.
 */
export async function getFreshness(db: Db, now: Date = new Date(), workflow?: string): Promise<Freshness[]> {
  let q = db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', 'v.hash', 'w.current_hash')
    .select(['w.name', 'v.definition'])
    .where('w.archived_at', 'is', null)
    .orderBy('w.name')
  if (workflow) q = q.where('w.name', '=', workflow)
  const out: Freshness[] = []
  for (const { name, definition } of await q.execute()) {
    const def = definition as Def
    const kind = def.when?.partition ?? def.schedule?.partition ?? 'date'
    const tz = def.when?.timezone ?? def.schedule?.timezone ?? 'UTC'
    const latest = await sql<LatestRun>`
      SELECT id, partition, status, finished_at, created_at FROM runs WHERE workflow = ${name}
      ORDER BY partition DESC NULLS LAST, created_at DESC, id DESC LIMIT 1`.execute(db)
    const success = await sql<{ partition: string | null; finished_at: Date }>`
      SELECT partition, finished_at FROM runs WHERE workflow = ${name} AND status = 'succeeded'
      ORDER BY partition DESC NULLS LAST, finished_at DESC, id DESC LIMIT 1`.execute(db)
    const l = latest.rows[0]
    const ok = success.rows[0]
    const exp = expected(kind, tz, now)
    // A partition still gathering its sources, newer than any run: that is the newest partition.
    const waiting = def.when
      ? await db
          .selectFrom('readiness')
          .select(['partition', 'landed', 'status'])
          .where('workflow', '=', name)
          .where('status', 'in', ['waiting', 'missed'])
          .orderBy('partition', 'desc')
          .executeTakeFirst()
      : undefined
    const gathering = waiting && (!l || (l.partition ?? '') < waiting.partition) ? waiting : undefined
    let state: Freshness['state']
    let missing: string[] = []
    if (gathering) {
      state = 'partial'
      const absent = (def.when?.sourcesLanded ?? []).filter((s) => !gathering.landed.includes(s))
      missing = [`waiting for ${absent.join(', ') || 'sources'}${gathering.status === 'missed' ? ' (deadline missed)' : ''}`]
    } else if (!l) state = 'unknown'
    else if (l.status === 'running' || l.status === 'queued') {
      state = 'partial'
      missing = await runGaps(db, l)
    } else if (l.status === 'failed' || l.status === 'cancelled') {
      state = 'failed'
      missing = await runGaps(db, l)
    } else if (exp && l.partition !== null && l.partition < exp) {
      state = 'stale'
      missing = [`no run for ${exp} yet`]
    } else state = 'complete'
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
      latestPartition: gathering?.partition ?? l?.partition ?? null,
      expectedPartition: exp,
      latestStatus: l?.status ?? null,
      lastSuccessPartition: ok?.partition ?? null,
      ageSeconds: ok ? Math.round((now.getTime() - new Date(ok.finished_at).getTime()) / 1000) : null,
      withinSla,
      missing,
    })
  }
  return out
}
