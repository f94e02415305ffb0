import { sql } from 'kysely'
import type { Db, Subjects } from '@baton/shared'
import { applyInTransaction } from '../apply/apply-batch.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { recordBatch } from '../telemetry/batch-metrics.js'

/**
 * Starts queued runs of concurrency groups (`wf:<name>` for maxActiveRuns, `backfill:<id>`)
 * while the group has free slots. A per-group advisory lock makes the count-then-start safe
 * with several coordinators; queued runs are claimed with SKIP LOCKED, oldest partition first.
 */
export async function admitQueuedRuns(db: Db, definitions: DefinitionCache, subjects: Subjects, publisher: OutboxPublisher, now: Date = new Date()): Promise<boolean> {
  const groups = await sql<{ key: string; lim: number }>`
    SELECT concurrency_key AS key, max(concurrency_limit) AS lim FROM runs
    WHERE status = 'queued' AND concurrency_key IS NOT NULL GROUP BY concurrency_key LIMIT 100`.execute(db)
  for (const g of groups.rows) {
    const applied = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`baton:admission:${g.key}`}))`.execute(trx)
      const running = await sql<{ n: number }>`SELECT count(*)::int AS n FROM runs WHERE concurrency_key = ${g.key} AND status = 'running'`.execute(trx)
      const free = g.lim - (running.rows[0]?.n ?? 0)
      if (free <= 0) return undefined
      const ids = await sql<{ id: string }>`
        SELECT id FROM runs WHERE concurrency_key = ${g.key} AND status = 'queued'
        ORDER BY partition NULLS LAST, created_at LIMIT ${free} FOR UPDATE SKIP LOCKED`.execute(trx)
      if (ids.rows.length === 0) return undefined
      const outcome = await applyInTransaction(trx, { starts: ids.rows.map((r) => r.id) }, { definitions, subjects, now, describe: () => ({ subject: 'admission', msgId: null, payload: '' }) })
      return outcome
    })
    if (!applied) continue
    await publisher.publish(applied.outbox)
    recordBatch(applied)
  }
  return false
}
