import { sql } from 'kysely'
import { newId, type Db, type WorkflowDefinitionInput } from '@baton/shared'

/** What `insertMappedRun` writes: a run of `workflow` whose mapped task has these instances. */
export interface MappedRunFixture {
  /** A deployed workflow with a mapped task. */
  readonly workflow: string
  /** The mapped task and its source. */
  readonly task: string
  readonly source: string
  /** Instance statuses by index (`statusOf(i)`); `total` instances. */
  readonly total: number
  readonly statusOf: (index: number) => string
  /** Other tasks of the run, with their status. */
  readonly others?: Record<string, string>
}

/**
 * Inserts, with SQL as the coordinator would leave them, a running run whose mapped task has
 * `total` instances `task[i]` (element `{ file: "f<i>.csv" }`), each with one attempt (a failed
 * one has its error), and its source succeeded with `{ files: [...] }` as its output. No coordinator is
 * needed; the workflow must be deployed. Returns the run id.
 */
export async function insertMappedRun(db: Db, f: MappedRunFixture): Promise<string> {
  const wf = await db.selectFrom('workflows').select('current_hash').where('name', '=', f.workflow).executeTakeFirstOrThrow()
  const runId = newId()
  const others = f.others ?? {}
  await db
    .insertInto('runs')
    .values({ id: runId, workflow: f.workflow, version_hash: wf.current_hash, idempotency_key: runId, partition: null, params: '{}', status: 'running', requested_by: null, tasks_total: 2 + Object.keys(others).length, cancel_reason: null, started_at: new Date(), finished_at: null, concurrency_key: null, concurrency_limit: null, backfill_id: null, scheduled_for: null })
    .execute()
  const list = Array.from({ length: f.total }, (_, i) => ({ file: `f${i}.csv` }))
  const row = (task_id: string, status: string, extra: Record<string, unknown> = {}) => ({ run_id: runId, task_id, status, queue: 'mapq', n_upstream: 0, output: null, error: null, worker_id: null, queued_at: null, started_at: null, finished_at: null, map_of: null, map_index: null, map_element: null, map_total: null, ...extra })
  await db.insertInto('task_states').values([row(f.source, 'succeeded', { output: JSON.stringify({ files: list }), attempt: 1 }), row(f.task, 'running', { n_upstream: 1, map_total: f.total }), ...Object.entries(others).map(([id, st]) => row(id, st))]).execute()
  await db.insertInto('task_attempts').values({ run_id: runId, task_id: f.source, attempt: 1, status: 'succeeded', worker_id: 'w1', queued_at: new Date(), started_at: new Date(), finished_at: new Date(), output: JSON.stringify({ files: list }), error: null, details: null }).execute()
  // Instances in bulk, as the coordinator creates them: one statement per 1,000.
  const t0 = Date.parse('2026-12-01T10:00:00Z')
  for (let from = 0; from < f.total; from += 1000) {
    const idx = Array.from({ length: Math.min(1000, f.total - from) }, (_, k) => from + k)
    const status = idx.map((i) => f.statusOf(i))
    await sql`
      INSERT INTO task_states (run_id, task_id, status, attempt, queue, n_upstream, map_of, map_index, map_element, worker_id, queued_at, started_at, finished_at, error, output)
      SELECT ${runId}::uuid, ${f.task} || '[' || i || ']', s, CASE WHEN s IN ('pending', 'queued') THEN 0 ELSE 1 END, 'mapq', 0, ${f.task}, i, jsonb_build_object('file', 'f' || i || '.csv'),
        CASE WHEN s IN ('pending', 'queued') THEN NULL ELSE 'w1' END,
        ${new Date(t0)}::timestamptz, CASE WHEN s IN ('pending', 'queued') THEN NULL ELSE ${new Date(t0 + 1000)}::timestamptz END,
        CASE WHEN s IN ('succeeded', 'failed') THEN ${new Date(t0 + 1000)}::timestamptz + (i % 7) * interval '1 second' END,
        CASE WHEN s = 'failed' THEN jsonb_build_object('message', 'bad file f' || i || '.csv', 'kind', 'error') END,
        CASE WHEN s = 'succeeded' THEN jsonb_build_object('rows', i) END
      FROM unnest(${idx}::int[], ${status}::text[]) AS u(i, s)`.execute(db)
    await sql`
      INSERT INTO task_attempts (run_id, task_id, attempt, status, worker_id, queued_at, started_at, finished_at, output, error)
      SELECT ${runId}::uuid, ${f.task} || '[' || i || ']', 1, s, 'w1', ${new Date(t0)}::timestamptz, ${new Date(t0 + 1000)}::timestamptz,
        CASE WHEN s IN ('succeeded', 'failed') THEN ${new Date(t0 + 1000)}::timestamptz + (i % 7) * interval '1 second' END,
        CASE WHEN s = 'succeeded' THEN jsonb_build_object('rows', i) END,
        CASE WHEN s = 'failed' THEN jsonb_build_object('message', 'bad file f' || i || '.csv', 'kind', 'error') END
      FROM unnest(${idx}::int[], ${status}::text[]) AS u(i, s) WHERE s NOT IN ('pending', 'queued')`.execute(db)
  }
  return runId
}

/** A workflow with a mapped task, ready for `deploy`: `list_files` → `load` (mapped) → `report`. */
export function mappedWorkflow(name: string): WorkflowDefinitionInput {
  return {
    name,
    owner: 'mapping',
    tasks: {
      list_files: { queue: 'mapq' },
      load: { queue: 'mapq', map: { from: 'list_files', key: 'files' } },
      report: { queue: 'mapq', after: ['load'] },
    },
  }
}
