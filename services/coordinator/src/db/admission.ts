import { sql } from 'kysely'
import type { Db } from '@baton/shared'

/** A concurrency group with queued runs, and its limit. */
export interface QueuedGroup {
  key: string
  lim: number
}

/**
 * Concurrency groups (`runs.concurrency_key`) that have queued runs, at most 100, each with the
 * largest limit its queued runs carry. An unlocked read: admission re-checks each group under
 * its lock (`lockAdmissionGroup`).
 */
export async function queuedGroups(db: Db): Promise<QueuedGroup[]> {
  const groups = await sql<QueuedGroup>`
    SELECT concurrency_key AS key, max(concurrency_limit) AS lim FROM runs
    WHERE status = 'queued' AND concurrency_key IS NOT NULL GROUP BY concurrency_key LIMIT 100`.execute(db)
  return groups.rows
}

/**
 * Takes the group's transaction-scoped advisory lock (released at commit). Admission counts the
 * group's running runs and then starts queued ones: two coordinators doing that at once for one
 * group would both see the same free slots, so each group's count-then-start is serialised here.
 */
export async function lockAdmissionGroup(db: Db, key: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`baton:admission:${key}`}))`.execute(db)
}

/** Number of `running` runs of a concurrency group (call under `lockAdmissionGroup`). */
export async function countRunningInGroup(db: Db, key: string): Promise<number> {
  const running = await sql<{ n: number }>`SELECT count(*)::int AS n FROM runs WHERE concurrency_key = ${key} AND status = 'running'`.execute(db)
  return running.rows[0]?.n ?? 0
}

/**
 * Locks up to `limit` queued runs of a group, oldest partition first (unpartitioned last), then
 * oldest created. SKIP LOCKED passes over runs another transaction holds (a cancellation, say)
 * instead of waiting on them; the locks last until the caller has started the runs.
 */
export async function claimQueuedRuns(db: Db, key: string, limit: number): Promise<string[]> {
  const ids = await sql<{ id: string }>`
    SELECT id FROM runs WHERE concurrency_key = ${key} AND status = 'queued'
    ORDER BY partition NULLS LAST, created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(db)
  return ids.rows.map((r) => r.id)
}
