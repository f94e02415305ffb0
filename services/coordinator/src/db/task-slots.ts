import { sql, type RawBuilder } from 'kysely'
import type { Db } from '@baton/shared'

/** One slot group an attempt waits for (a `task_slot_waits` row). */
export interface SlotWait {
  readonly runId: string
  readonly taskId: string
  readonly attempt: number
  readonly groupKey: string
  readonly slots: number
  /** The group's limit when the definition holds it (task concurrency); null: the pool's row. */
  readonly lim: number | null
  readonly priority: number
  readonly owner: string
  readonly enqueuedAt: Date
}

/** The attempt of a task whose slots stay held and waited for; every other attempt's go. -1: none. */
export interface SlotKeep {
  readonly runId: string
  readonly taskId: string
  readonly keepAttempt: number
}

/** Inserts the waits of attempts queued in a batch (a re-applied batch inserts nothing twice). */
export function insertWaitsStatement(waits: readonly SlotWait[]): RawBuilder<unknown> | undefined {
  if (waits.length === 0) return undefined
  const rows = waits.map((w) => ({ run_id: w.runId, task_id: w.taskId, attempt: w.attempt, group_key: w.groupKey, slots: w.slots, lim: w.lim, priority: w.priority, owner: w.owner, enqueued_at: w.enqueuedAt.toISOString() }))
  return sql`
    INSERT INTO task_slot_waits (run_id, task_id, attempt, group_key, slots, lim, priority, owner, enqueued_at)
    SELECT run_id, task_id, attempt, group_key, slots, lim, priority, owner, enqueued_at
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS v(run_id uuid, task_id text, attempt int, group_key text, slots int, lim int, priority int, owner text, enqueued_at timestamptz)
    ON CONFLICT DO NOTHING`
}

function releaseFrom(table: 'task_slot_holds' | 'task_slot_waits', keeps: readonly SlotKeep[]): RawBuilder<unknown> | undefined {
  if (keeps.length === 0) return undefined
  return sql`
    DELETE FROM ${sql.table(table)} s USING unnest(${keeps.map((k) => k.runId)}::uuid[], ${keeps.map((k) => k.taskId)}::text[], ${keeps.map((k) => k.keepAttempt)}::int[]) AS v(run_id, task_id, keep)
    WHERE s.run_id = v.run_id AND s.task_id = v.task_id AND s.attempt <> v.keep`
}

/**
 * Releases the slots (held or waited for) of every attempt of the given tasks but the one kept:
 * written in the batch that moves an attempt out of queued/running, so a slot is released in
 * the same transaction as the transition, once.
 */
export function releaseSlotsStatements(keeps: readonly SlotKeep[]): [RawBuilder<unknown> | undefined, RawBuilder<unknown> | undefined] {
  return [releaseFrom('task_slot_holds', keeps), releaseFrom('task_slot_waits', keeps)]
}

/** Groups with waiting attempts (an unlocked peek; admission re-reads under the group's lock). */
export async function waitingGroups(db: Db, limit = 100): Promise<string[]> {
  const rows = await sql<{ group_key: string }>`SELECT DISTINCT group_key FROM task_slot_waits ORDER BY group_key LIMIT ${limit}`.execute(db)
  return rows.rows.map((r) => r.group_key)
}

/** Takes a group's transaction-scoped lock, waiting for it. */
export async function lockGroup(db: Db, key: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`baton:slots:${key}`}))`.execute(db)
}

/** Takes a group's transaction-scoped lock if free: another group's admission never waits on it (no deadlock). */
export async function tryLockGroup(db: Db, key: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${`baton:slots:${key}`})) AS ok`.execute(db)
  return r.rows[0]?.ok === true
}

/** A group's limit and policy: a pool's row, or the largest limit its waits carry (task concurrency). */
export interface GroupPolicy {
  readonly limit: number
  readonly fairShare: boolean
  readonly weights: Readonly<Record<string, number>>
}

/** Every wait row (all groups) of the given attempts. */
export async function waitsOf(db: Db, attempts: readonly { runId: string; taskId: string; attempt: number }[]): Promise<SlotWait[]> {
  if (attempts.length === 0) return []
  const rows = await sql<Parameters<typeof toWait>[0]>`
    SELECT w.* FROM task_slot_waits w
    JOIN unnest(${attempts.map((a) => a.runId)}::uuid[], ${attempts.map((a) => a.taskId)}::text[], ${attempts.map((a) => a.attempt)}::int[]) AS v(run_id, task_id, attempt)
      ON w.run_id = v.run_id AND w.task_id = v.task_id AND w.attempt = v.attempt`.execute(db)
  return rows.rows.map(toWait)
}

function toWait(r: { run_id: string; task_id: string; attempt: number; group_key: string; slots: number; lim: number | null; priority: number; owner: string; enqueued_at: Date }): SlotWait {
  return { runId: r.run_id, taskId: r.task_id, attempt: r.attempt, groupKey: r.group_key, slots: r.slots, lim: r.lim, priority: r.priority, owner: r.owner, enqueuedAt: r.enqueued_at }
}

/** Moves granted attempts' waits to holds (all their groups). */
export function grantStatements(granted: readonly SlotWait[], now: Date): [RawBuilder<unknown> | undefined, RawBuilder<unknown> | undefined] {
  if (granted.length === 0) return [undefined, undefined]
  const rows = granted.map((w) => ({ run_id: w.runId, task_id: w.taskId, attempt: w.attempt, group_key: w.groupKey, slots: w.slots, owner: w.owner, granted_at: now.toISOString() }))
  const insert = sql`
    INSERT INTO task_slot_holds (run_id, task_id, attempt, group_key, slots, owner, granted_at)
    SELECT run_id, task_id, attempt, group_key, slots, owner, granted_at
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(run_id uuid, task_id text, attempt int, group_key text, slots int, owner text, granted_at timestamptz)`
  const del = sql`
    DELETE FROM task_slot_waits s USING jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(run_id uuid, task_id text, attempt int, group_key text)
    WHERE s.run_id = v.run_id AND s.task_id = v.task_id AND s.attempt = v.attempt AND s.group_key = v.group_key`
  return [insert, del]
}

/** Deletes the waits of attempts that are no longer queued (defensive: the batch that moved them released them). */
export function dropWaitsStatement(stale: readonly { runId: string; taskId: string; attempt: number }[]): RawBuilder<unknown> | undefined {
  if (stale.length === 0) return undefined
  return sql`
    DELETE FROM task_slot_waits s USING unnest(${stale.map((a) => a.runId)}::uuid[], ${stale.map((a) => a.taskId)}::text[], ${stale.map((a) => a.attempt)}::int[]) AS v(run_id, task_id, attempt)
    WHERE s.run_id = v.run_id AND s.task_id = v.task_id AND s.attempt = v.attempt`
}

/** A group at one instant: its policy, what each owner holds, and the head of its line. */
export interface GroupSnapshot {
  readonly policy: GroupPolicy | undefined
  readonly used: number
  readonly byOwner: Map<string, number>
  /** The first waits, highest priority first, then oldest; `groups` is how many groups each attempt waits for. */
  readonly waits: (SlotWait & { readonly groups: number })[]
}

/**
 * Policy, use and the head of a group's line in one statement (admission's round trips are its
 * cost under contention). Call under the group's lock, in a statement after the one that took
 * it: a statement's snapshot is taken when it starts. `head` waits are read without fair share,
 * `fairHead` with it (every owner waiting must be seen); 0 and 0 read the policy and use alone.
 */
export async function groupSnapshot(db: Db, key: string, head: number, fairHead: number): Promise<GroupSnapshot> {
  const pool = key.startsWith('pool:') ? key.slice('pool:'.length) : ''
  const rows = await sql<{
    pool_slots: number | null
    fair_share: boolean | null
    weights: Record<string, number> | null
    max_lim: number | null
    held: Record<string, number>
    run_id: string | null
    task_id: string
    attempt: number
    group_key: string
    slots: number
    lim: number | null
    priority: number
    owner: string
    enqueued_at: Date
    groups: number
  }>`
    WITH p AS (SELECT slots, fair_share, weights FROM pools WHERE name = ${pool}),
    h AS (SELECT coalesce(json_object_agg(owner, n), '{}'::json) AS held FROM (SELECT owner, sum(slots)::int AS n FROM task_slot_holds WHERE group_key = ${key} GROUP BY owner) x),
    m AS (SELECT max(lim) AS max_lim FROM task_slot_waits WHERE group_key = ${key}),
    w AS (
      SELECT w.*, (SELECT count(*) FROM task_slot_waits o WHERE o.run_id = w.run_id AND o.task_id = w.task_id AND o.attempt = w.attempt)::int AS groups
      FROM task_slot_waits w WHERE w.group_key = ${key}
      ORDER BY w.priority DESC, w.enqueued_at, w.run_id, w.task_id
      LIMIT CASE WHEN coalesce((SELECT fair_share FROM p), false) THEN ${fairHead}::int ELSE ${head}::int END)
    SELECT p.slots AS pool_slots, p.fair_share, p.weights, m.max_lim, h.held, w.*
    FROM h CROSS JOIN m LEFT JOIN p ON true LEFT JOIN w ON true`.execute(db)
  const first = rows.rows[0]
  const byOwner = new Map(Object.entries(first?.held ?? {}).map(([o, n]) => [o, Number(n)]))
  const used = [...byOwner.values()].reduce((a, b) => a + b, 0)
  const policy: GroupPolicy | undefined = !first
    ? undefined
    : pool
      ? first.pool_slots == null
        ? undefined
        : { limit: first.pool_slots, fairShare: first.fair_share === true, weights: first.weights ?? {} }
      : first.max_lim == null
        ? undefined
        : { limit: first.max_lim, fairShare: false, weights: {} }
  const waits = rows.rows.filter((r) => r.run_id !== null).map((r) => ({ ...toWait({ ...r, run_id: r.run_id! }), groups: r.groups }))
  return { policy, used, byOwner, waits }
}

