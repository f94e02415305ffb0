import { sql, type RawBuilder } from 'kysely'
import { PREPARE, type Db, type TaskStatus } from '@baton/shared'
import type { LoadedTaskView } from './tasks.js'

// The rows of mapped tasks' instances (docs/architecture.md, "Mapped tasks"). Every statement is
// set-based and bounded by a chunk of indexes: a coordinator never reads all instances of a map.

/** Where a mapped task's list lives: the source task's output, or one field of it. */
export interface MapListRef {
  readonly runId: string
  readonly source: string
  readonly key: string | null
}

/** The list in the source's output row: the output itself, or its field `key`. */
function listOf(ref: MapListRef): RawBuilder<unknown> {
  return sql`CASE WHEN ${ref.key}::text IS NULL THEN output ELSE output -> ${ref.key}::text END`
}

/** What the source holds: its status, its output's JSON type, the list's JSON type and, for an array, its length (a JSON type is null where there is no value). */
export interface MapListShape {
  readonly status: string
  readonly outputType: string | null
  readonly type: string | null
  readonly length: number | null
}

/** Reads the shape of a mapped task's list (undefined: the source has no row). */
export async function measureMapList(db: Db, ref: MapListRef): Promise<MapListShape | undefined> {
  const row = await sql<MapListShape>`
    SELECT l.status, jsonb_typeof(l.output) AS "outputType", jsonb_typeof(l.list) AS type, CASE WHEN jsonb_typeof(l.list) = 'array' THEN jsonb_array_length(l.list) END AS length
    FROM (SELECT status, output, ${listOf(ref)} AS list
          FROM task_states WHERE run_id = ${ref.runId} AND task_id = ${ref.source}) l
  `.execute(db)
  return row.rows[0]
}

/**
 * Readies a reopened mapped task's earlier instances for a new attempt: those past the new list's
 * end are deleted; those that did not succeed, or whose element changed, go back to `pending`
 * (their attempt numbers kept, so a late result of an old attempt stays stale). Returns how many
 * succeeded with the same element: they keep their outputs and do not run again.
 */
export async function resetInstances(db: Db, ref: MapListRef, taskId: string, length: number): Promise<number> {
  const result = await sql<{ kept: string }>`
    WITH src AS (SELECT ${listOf(ref)} AS list FROM task_states WHERE run_id = ${ref.runId} AND task_id = ${ref.source}),
    gone AS (DELETE FROM task_states t WHERE t.run_id = ${ref.runId} AND t.map_of = ${taskId} AND t.map_index >= ${length} RETURNING t.task_id),
    reset AS (
      UPDATE task_states t SET status = 'pending', attempt_base = t.attempt, map_element = src.list -> t.map_index, output = NULL, error = NULL, worker_id = NULL,
        queued_at = NULL, started_at = NULL, finished_at = NULL, updated_at = now()
      FROM src WHERE t.run_id = ${ref.runId} AND t.map_of = ${taskId} AND t.map_index < ${length}
        AND (t.status <> 'succeeded' OR t.map_element IS DISTINCT FROM src.list -> t.map_index)
      RETURNING t.task_id)
    -- The statement's snapshot: rows as they were before the two changes above.
    SELECT count(*) AS kept FROM task_states t, src
    WHERE t.run_id = ${ref.runId} AND t.map_of = ${taskId} AND t.map_index < ${length} AND t.status = 'succeeded' AND t.map_element IS NOT DISTINCT FROM src.list -> t.map_index
  `.execute(db)
  return Number(result.rows[0]?.kept ?? 0)
}

/** Creates instances [from, to) of a mapped task, `pending`, each with its element (existing ones are left as they are). */
export async function insertInstances(db: Db, ref: MapListRef, taskId: string, queue: string, from: number, to: number): Promise<void> {
  await sql`
    INSERT INTO task_states (run_id, task_id, status, queue, n_upstream, map_of, map_index, map_element)
    SELECT ${ref.runId}::uuid, ${taskId} || '[' || i || ']', 'pending', ${queue}::text, 0, ${taskId}::text, i, src.list -> i
    FROM (SELECT ${listOf(ref)} AS list FROM task_states WHERE run_id = ${ref.runId} AND task_id = ${ref.source}) src,
      generate_series(${from}::int, ${to - 1}::int) AS i
    ON CONFLICT (run_id, task_id) DO NOTHING
  `.execute(db)
}

/** A pending instance to run, with its element. */
export type PendingInstance = LoadedTaskView & { mapIndex: number; mapElement: unknown }

/** The instances in [from, to) still to run (`pending`), with their elements, by index. */
export async function pendingInstances(db: Db, runId: string, taskId: string, from: number, to: number): Promise<PendingInstance[]> {
  const rows = await sql<{ task_id: string; attempt: number; attempt_base: number; map_index: number; map_element: unknown }>`
    SELECT task_id, attempt, attempt_base, map_index, map_element FROM task_states
    WHERE run_id = ${runId} AND map_of = ${taskId} AND map_index >= ${from} AND map_index < ${to} AND status = 'pending'
    ORDER BY map_index
  `.execute(db)
  return rows.rows.map((r) => ({
    runId,
    taskId: r.task_id,
    status: 'pending' as TaskStatus,
    attempt: r.attempt,
    attemptBase: r.attempt_base,
    nUpstream: 0,
    nSucceeded: 0,
    nFailed: 0,
    nSkipped: 0,
    workerId: null,
    stored: { queuedAt: null, startedAt: null },
    mapIndex: r.map_index,
    mapElement: r.map_element,
  }))
}

/** The elements of instances, by `runId/taskId` (for commands of instances not expanded in this batch: a retry, an admission). */
export async function loadMapElements(db: Db, pairs: readonly { runId: string; taskId: string }[]): Promise<Map<string, { index: number; element: unknown }>> {
  if (pairs.length === 0) return new Map()
  const rows = await sql<{ run_id: string; task_id: string; map_index: number; map_element: unknown }>`${sql.raw(PREPARE)}
    SELECT t.run_id, t.task_id, t.map_index, t.map_element
    FROM unnest(${pairs.map((p) => p.runId)}::uuid[], ${pairs.map((p) => p.taskId)}::text[]) AS p(run_id, task_id)
    JOIN task_states t ON t.run_id = p.run_id AND t.task_id = p.task_id
  `.execute(db)
  return new Map(rows.rows.map((r) => [`${r.run_id}/${r.task_id}`, { index: r.map_index, element: r.map_element }]))
}

/** Most failures a reduced result lists. */
export const REDUCED_FAILURES = 100

/** An instance as the batch holds it, not yet written: its row is read as this. */
export interface InstanceOverride {
  readonly runId: string
  readonly taskId: string
  readonly status: string
  readonly output: unknown
  readonly error: unknown
}

/**
 * What a mapped task gives its downstream tasks, by `runId/taskId`: its instances' outputs as a
 * list by index (null for an instance that did not succeed), or with `reduce` a summary
 * `{ count, succeeded, failed, failures }` (the first REDUCED_FAILURES failures, index and error).
 * `overrides`: instances the batch changed and has not written yet (the last ones to end).
 */
export async function loadMapResults(db: Db, maps: readonly { runId: string; taskId: string; reduce: boolean }[], overrides: readonly InstanceOverride[]): Promise<Map<string, unknown>> {
  if (maps.length === 0) return new Map()
  const changed = JSON.stringify(overrides.map((o) => ({ run_id: o.runId, task_id: o.taskId, status: o.status, output: o.output ?? null, error: o.error ?? null })))
  const rows = await sql<{ run_id: string; task_id: string; result: unknown }>`
    WITH o AS (SELECT * FROM jsonb_to_recordset(${changed}::jsonb) AS v(run_id uuid, task_id text, status text, output jsonb, error jsonb)),
    i AS (
      SELECT t.run_id, t.map_of, t.map_index, COALESCE(o.status, t.status) AS status, CASE WHEN o.task_id IS NULL THEN t.output ELSE o.output END AS output,
        CASE WHEN o.task_id IS NULL THEN t.error ELSE o.error END AS error
      FROM unnest(${maps.map((m) => m.runId)}::uuid[], ${maps.map((m) => m.taskId)}::text[]) AS p(run_id, task_id)
      JOIN task_states t ON t.run_id = p.run_id AND t.map_of = p.task_id
      LEFT JOIN o ON o.run_id = t.run_id AND o.task_id = t.task_id)
    SELECT p.run_id, p.task_id, CASE WHEN p.reduce THEN (
        SELECT jsonb_build_object('count', count(*), 'succeeded', count(*) FILTER (WHERE i.status = 'succeeded'), 'failed', count(*) FILTER (WHERE i.status <> 'succeeded'),
          'failures', COALESCE((SELECT jsonb_agg(jsonb_build_object('index', f.map_index, 'error', f.error) ORDER BY f.map_index)
            FROM (SELECT map_index, error FROM i WHERE i.run_id = p.run_id AND i.map_of = p.task_id AND i.status <> 'succeeded' ORDER BY map_index LIMIT ${REDUCED_FAILURES}) f), '[]'::jsonb))
        FROM i WHERE i.run_id = p.run_id AND i.map_of = p.task_id)
      ELSE (SELECT COALESCE(jsonb_agg(CASE WHEN i.status = 'succeeded' THEN i.output END ORDER BY i.map_index), '[]'::jsonb) FROM i WHERE i.run_id = p.run_id AND i.map_of = p.task_id)
      END AS result
    FROM unnest(${maps.map((m) => m.runId)}::uuid[], ${maps.map((m) => m.taskId)}::text[], ${maps.map((m) => m.reduce)}::boolean[]) AS p(run_id, task_id, reduce)
  `.execute(db)
  return new Map(rows.rows.map((r) => [`${r.run_id}/${r.task_id}`, r.result]))
}

/**
 * Cancels the live instances of mapped tasks that stopped running (a cancel, a mark, a clear),
 * but those the batch loaded (`loaded`: it cancels them in its working copy):
 * their rows, attempts, history, timers and slots in one statement. Returns the instances that
 * were running, whose workers must be told to stop.
 */
export async function cancelLiveInstances(
  db: Db,
  maps: readonly { runId: string; taskId: string; loaded: readonly string[] }[],
  now: Date,
  reason: string,
): Promise<{ runId: string; taskId: string; attempt: number }[]> {
  if (maps.length === 0) return []
  // The batch writes the instances it loaded itself (its guarded update expects them as loaded).
  const loaded = maps.flatMap((m) => m.loaded.map((taskId) => ({ runId: m.runId, taskId })))
  const rows = await sql<{ run_id: string; task_id: string; attempt: number }>`
    WITH live AS (
      SELECT t.run_id, t.task_id, t.attempt, t.status FROM unnest(${maps.map((m) => m.runId)}::uuid[], ${maps.map((m) => m.taskId)}::text[]) AS m(run_id, task_id)
      JOIN task_states t ON t.run_id = m.run_id AND t.map_of = m.task_id
      WHERE t.status IN ('pending', 'queued', 'running', 'retrying')
        AND NOT EXISTS (SELECT 1 FROM unnest(${loaded.map((l) => l.runId)}::uuid[], ${loaded.map((l) => l.taskId)}::text[]) AS x(run_id, task_id) WHERE x.run_id = t.run_id AND x.task_id = t.task_id)
      FOR UPDATE OF t),
    cancelled AS (
      UPDATE task_states t SET status = 'cancelled', finished_at = ${now}, updated_at = now() FROM live
      WHERE t.run_id = live.run_id AND t.task_id = live.task_id RETURNING live.run_id, live.task_id, live.attempt, live.status AS was),
    attempts AS (
      UPDATE task_attempts a SET status = 'cancelled', finished_at = ${now} FROM cancelled c
      WHERE a.run_id = c.run_id AND a.task_id = c.task_id AND a.attempt = c.attempt AND c.was IN ('queued', 'running')),
    history AS (
      INSERT INTO history (run_id, task_id, attempt, kind, from_status, to_status, reason, at)
      SELECT run_id, task_id, attempt, 'transition', was, 'cancelled', ${reason}, ${now} FROM cancelled),
    holds AS (DELETE FROM task_slot_holds s USING cancelled c WHERE s.run_id = c.run_id AND s.task_id = c.task_id),
    waits AS (DELETE FROM task_slot_waits s USING cancelled c WHERE s.run_id = c.run_id AND s.task_id = c.task_id),
    timers AS (DELETE FROM timers x USING cancelled c WHERE x.run_id = c.run_id AND x.task_id = c.task_id)
    SELECT run_id, task_id, attempt FROM cancelled WHERE was = 'running'
  `.execute(db)
  return rows.rows.map((r) => ({ runId: r.run_id, taskId: r.task_id, attempt: r.attempt }))
}
