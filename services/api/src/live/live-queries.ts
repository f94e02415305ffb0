import { sql, type RawBuilder } from 'kysely'
import type { Db } from '@baton/shared'
import { parseSnapshot, type PgSnapshot } from './pg-snapshot.js'

/**
 * The reads of the live stream: the shared tail's (history rows after its cursor, alert versions
 * after its frontier, each with the snapshot of the same statement) and a resuming client's
 * catch-up (a range it missed). Every read joins the run's workflow and the workflow's current
 * owner, which scoped grants are checked against.
 */

/** A history row with what an event shows. */
export interface LiveHistoryRow {
  readonly id: number
  readonly kind: string
  readonly runId: string
  readonly workflow: string | null
  readonly owner: string | null
  readonly taskId: string | null
  readonly attempt: number | null
  readonly from: string | null
  readonly to: string | null
  readonly reason: string | null
  readonly at: Date
}

/** The current version of an alert row and the transaction (xid8) that wrote it; `owner` is its workflow's current owner. */
export interface LiveAlertRow {
  readonly xid: number
  readonly id: number
  readonly kind: string
  readonly status: string
  readonly workflow: string | null
  readonly owner: string | null
  readonly partition: string | null
  readonly runId: string | null
  readonly count: number
  readonly summary: string | null
  readonly createdAt: Date
  readonly lastAt: Date
  readonly resolvedAt: Date | null
}

/** What a catch-up read keeps (null: no condition). */
export interface RangeFilter {
  readonly runId: string | null
  readonly workflow: string | null
  /** Run events, task events, or both (null). */
  readonly only: 'run' | 'task' | null
}

interface HistoryRecord {
  id: string
  kind: string
  run_id: string
  workflow: string | null
  owner: string | null
  task_id: string | null
  attempt: number | null
  from_status: string | null
  to_status: string | null
  reason: string | null
  at: Date
}

/**
 * History rows `where` selects (at most `limit`, in id order) with their run's workflow, then
 * each workflow's current owner once per read: the owner is inside the definition (jsonb, a
 * large one is TOASTed), so it is not looked up row by row.
 */
function historyWithOwners(where: RawBuilder<unknown>, limit: number): RawBuilder<HistoryRecord> {
  return sql<HistoryRecord>`
    WITH b AS (
      SELECT h.id, h.kind, h.run_id, r.workflow, h.task_id, h.attempt, h.from_status, h.to_status, h.reason, h.at
      FROM history h LEFT JOIN runs r ON r.id = h.run_id
      WHERE ${where} ORDER BY h.id LIMIT ${limit}
    ), o AS (
      SELECT w.name, v.definition->>'owner' AS owner
      FROM workflows w JOIN workflow_versions v ON v.hash = w.current_hash
      WHERE w.name IN (SELECT DISTINCT b.workflow FROM b)
    )
    SELECT b.*, o.owner FROM b LEFT JOIN o ON o.name = b.workflow ORDER BY b.id`
}

function historyRow(r: HistoryRecord): LiveHistoryRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    runId: r.run_id,
    workflow: r.workflow,
    owner: r.owner,
    taskId: r.task_id,
    attempt: r.attempt,
    from: r.from_status,
    to: r.to_status,
    reason: r.reason,
    at: new Date(r.at),
  }
}

/** Where a new tail starts: the highest history id visible and the snapshot it was read in. */
export async function readTailStart(db: Db): Promise<{ snapshot: PgSnapshot; maxId: number }> {
  const r = await sql<{ snap: string; max_id: string | null }>`SELECT pg_current_snapshot()::text AS snap, (SELECT max(id) FROM history) AS max_id`.execute(db)
  const row = r.rows[0]!
  return { snapshot: parseSnapshot(row.snap), maxId: row.max_id === null ? 0 : Number(row.max_id) }
}

/** Up to `limit` history rows after `after`, in id order, and the snapshot of the same statement. */
export async function readHistoryAfter(db: Db, after: number, limit: number): Promise<{ snapshot: PgSnapshot; rows: LiveHistoryRow[] }> {
  // One statement, so the snapshot is the one the rows were read in.
  const r = await sql<HistoryRecord & { snap: string }>`
    WITH s AS (SELECT pg_current_snapshot()::text AS snap)
    SELECT s.snap, x.* FROM s LEFT JOIN LATERAL (${historyWithOwners(sql`h.id > ${after}`, limit)}) x ON true
    ORDER BY x.id`.execute(db)
  return { snapshot: parseSnapshot(r.rows[0]!.snap), rows: r.rows.filter((row) => row.id !== null).map(historyRow) }
}

/** Up to `limit` history rows with `after < id <= upTo` that `filter` keeps, in id order (transitions only). */
export async function readHistoryRange(db: Db, after: number, upTo: number, limit: number, filter: RangeFilter): Promise<LiveHistoryRow[]> {
  const conditions: RawBuilder<unknown>[] = [sql`h.id > ${after}`, sql`h.id <= ${upTo}`, sql`h.to_status IS NOT NULL`, sql`h.kind <> 'ignored'`]
  if (filter.runId !== null) conditions.push(sql`h.run_id = ${filter.runId}::uuid`)
  if (filter.workflow !== null) conditions.push(sql`r.workflow = ${filter.workflow}`)
  if (filter.only === 'run') conditions.push(sql`h.task_id IS NULL`)
  if (filter.only === 'task') conditions.push(sql`h.task_id IS NOT NULL`)
  const r = await historyWithOwners(sql.join(conditions, sql` AND `), limit).execute(db)
  return r.rows.map(historyRow)
}

interface AlertRecord {
  xid: string
  id: string
  kind: string
  status: string
  workflow: string | null
  owner: string | null
  partition: string | null
  run_id: string | null
  count: number
  summary: string | null
  created_at: Date
  last_at: Date
  resolved_at: Date | null
}

/**
 * A fingerprint of the alerts that can change: the highest alert id, and the number and writing
 * transactions of the firing alerts (every change of an alert is an insert, or an update of a
 * firing one: a repeat folded in, a resolution, an expiry). Read through the firing alerts'
 * partial index, so it costs the same however many alerts are kept; the tail scans for alert
 * versions only when it changed (or versions were left for later).
 */
export async function readAlertFingerprint(db: Db): Promise<string> {
  const r = await sql<{ fp: string }>`
    SELECT concat_ws(':', (SELECT max(id) FROM alerts), count(*), sum(xmin::text::bigint)) AS fp
    FROM alerts WHERE status = 'firing'`.execute(db)
  return r.rows[0]!.fp
}

/**
 * The alert versions written after `after` (by transaction, then alert id) by transactions below
 * `below` — every one of them finished — in that order, with the statement's snapshot. `below`
 * null: below the snapshot's own `xmin` (the tail's frontier step); `pending` counts the versions
 * already visible but not below it yet (to read again later).
 *
 * A row's `xmin` is the 32-bit id of the transaction that wrote its current version; it is widened
 * to an xid8 against the snapshot's `xmax` (a live row's writer is less than 2^31 transactions
 * old). Only current versions are read: a row changed twice between two reads shows once, in its
 * latest state. `alerts` has no index on this, so the read scans the table: alerts fold repeats
 * into one row per cause, and the tail scans only when `readAlertFingerprint` changed (figures in
 * history-tail.ts).
 */
export async function readAlertVersions(db: Db, after: { xid: number; id: number }, below: number | null): Promise<{ snapshot: PgSnapshot; rows: LiveAlertRow[]; pending: number }> {
  const upper = below === null ? sql`pg_snapshot_xmin(s.snap)::text::bigint` : sql`${below}::bigint`
  // The writer of each row first (two columns over the table), the rest only for the rows wanted.
  const r = await sql<AlertRecord & { snap: string; pending: number }>`
    WITH s AS (SELECT pg_current_snapshot() AS snap),
    v AS (
      SELECT a.id,
        pg_snapshot_xmax(s.snap)::text::bigint
          - (((pg_snapshot_xmax(s.snap)::text::bigint - a.xmin::text::bigint) % 4294967296) + 4294967296) % 4294967296 AS xid
      FROM s CROSS JOIN alerts a
    ),
    p AS (SELECT count(*)::int AS pending FROM s, v WHERE v.xid >= ${upper})
    SELECT s.snap::text AS snap, p.pending, x.* FROM s CROSS JOIN p LEFT JOIN LATERAL (
      SELECT v.xid, a.id, a.kind, a.status, a.workflow, wv.definition->>'owner' AS owner, a.partition, a.run_id, a.count,
        a.details->>'summary' AS summary, a.created_at, a.last_at, a.resolved_at
      FROM v JOIN alerts a ON a.id = v.id
      LEFT JOIN workflows w ON w.name = a.workflow LEFT JOIN workflow_versions wv ON wv.hash = w.current_hash
      WHERE (v.xid > ${after.xid} OR (v.xid = ${after.xid} AND v.id > ${after.id})) AND v.xid < ${upper}
      ORDER BY v.xid, v.id
    ) x ON true
    ORDER BY x.xid, x.id`.execute(db)
  return {
    snapshot: parseSnapshot(r.rows[0]!.snap),
    pending: r.rows[0]!.pending,
    rows: r.rows
      .filter((row) => row.id !== null)
      .map((a) => ({
        xid: Number(a.xid),
        id: Number(a.id),
        kind: a.kind,
        status: a.status,
        workflow: a.workflow,
        owner: a.owner,
        partition: a.partition,
        runId: a.run_id,
        count: a.count,
        summary: a.summary,
        createdAt: new Date(a.created_at),
        lastAt: new Date(a.last_at),
        resolvedAt: a.resolved_at === null ? null : new Date(a.resolved_at),
      })),
  }
}
