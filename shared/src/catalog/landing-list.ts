import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

/** One accepted source landing: a source (table, file, prefix) landed for a partition. */
export interface LandingView {
  id: number
  eventId: string
  source: string
  partition: string | null
  uri: string | null
  landedAt: string
  receivedAt: string
  meta: unknown
}

/** Which landings `listLandings` returns. */
export interface LandingFilter {
  source?: string
  partition?: string
  /** Only landings of these sources (an empty list matches none): a caller's scope. */
  sources?: readonly string[]
  /** Received at or after. */
  since?: Date
  /** Only landings older than this id (the page cursor): newest first by id. */
  before?: number
  /** At most this many (default 100). */
  limit?: number
}

/** Source landings, newest first (by id: the order they were accepted). */
export async function listLandings(db: Db, filter: LandingFilter = {}): Promise<LandingView[]> {
  let q = db.selectFrom('source_landings').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100)
  if (filter.source) q = q.where('source', '=', filter.source)
  if (filter.sources) q = q.where('source', '=', sql<string>`ANY(${[...filter.sources]}::text[])`)
  if (filter.partition) q = q.where('partition', '=', filter.partition)
  if (filter.since) q = q.where('received_at', '>=', filter.since)
  if (filter.before !== undefined) q = q.where('id', '<', filter.before)
  return (await q.execute()).map((l) => ({
    id: Number(l.id),
    eventId: l.event_id,
    source: l.source,
    partition: l.partition,
    uri: l.uri,
    landedAt: new Date(l.landed_at).toISOString(),
    receivedAt: new Date(l.received_at).toISOString(),
    meta: l.meta ?? null,
  }))
}
