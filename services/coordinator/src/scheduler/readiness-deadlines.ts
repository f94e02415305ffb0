import { currentVersions, loadVersion, newId, type Db, type ReadinessMissed, type Subjects } from '@baton/shared'
import { insertOutboxStatement, type OutboxMessage } from '../db/outbox.js'
import { writeBatch } from '../db/batch-write.js'
import { claimMissedDeadlines, markReadinessMissed } from '../db/readiness.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { raiseAlerts, type AlertCause } from '../alerts/alert-store.js'
import { NO_ROUTES, type AlertRoutes } from '../alerts/alert-routes.js'

/**
 * Raises `readiness_missed` for partitions whose sources did not all land by their `expectBy`
 * deadline: the readiness row (a durable deadline, claimed with SKIP LOCKED) turns `missed`,
 * the alert is recorded and published through the outbox, and no run starts on partial inputs.
 */
export async function raiseMissedReadiness(
  db: Db,
  subjects: Subjects,
  publisher: OutboxPublisher,
  now: Date = new Date(),
  alerting: { routes: AlertRoutes; repeatWindowMs: number } = { routes: NO_ROUTES, repeatWindowMs: 3_600_000 },
): Promise<boolean> {
  const LIMIT = 100
  const { outbox, count } = await db.transaction().execute(async (trx) => {
    // An archived workflow (baton undeploy) raises nothing: its partitions are not claimed.
    const due = await claimMissedDeadlines(trx, now, LIMIT)
    if (due.length === 0) return { outbox: [], count: 0 }
    const versions = await currentVersions(trx, [...new Set(due.map((d) => d.workflow))])
    const defs = new Map<string, { sources: string[]; owner: string | null }>()
    for (const [name, hash] of versions) {
      const def = (await loadVersion(trx, hash))?.definition
      defs.set(name, { sources: def?.when?.sourcesLanded ?? [], owner: def?.owner ?? null })
    }
    const messages: OutboxMessage[] = []
    for (const r of due) {
      const def = defs.get(r.workflow)
      const missing = (def?.sources ?? []).filter((s) => !r.landed.includes(s))
      const alert: ReadinessMissed = {
        id: newId(),
        type: 'readiness_missed',
        workflow: r.workflow,
        partition: r.partition,
        owner: def?.owner ?? null,
        missing,
        landed: r.landed,
        deadline: new Date(r.deadline_at!).toISOString(),
        at: now.toISOString(),
      }
      await markReadinessMissed(trx, r.workflow, r.partition, now)
      const cause: AlertCause = {
        kind: 'readiness_missed',
        causeKey: `readiness:${r.workflow}:${r.partition}`,
        workflow: r.workflow,
        partition: r.partition,
        runId: null,
        owner: alert.owner,
        summary: `${r.workflow} ${r.partition}: data not complete by ${alert.deadline}; missing ${missing.join(', ') || '(none)'}`,
        details: { missing, landed: r.landed, deadline: alert.deadline },
      }
      await raiseAlerts(trx, [cause], alerting.routes, alerting.repeatWindowMs, now)
      messages.push({ transport: 'jetstream', subject: subjects.alert('readiness_missed'), msgId: `readiness_missed.${r.workflow}.${r.partition}`, payload: alert, traceparent: null })
    }
    const rows = await writeBatch(trx, [], insertOutboxStatement(messages))
    const ids = new Map(rows.map((x) => [String(x.msg_id), Number(x.id)]))
    return { outbox: messages.map((m) => ({ ...m, id: ids.get(m.msgId)! })), count: due.length }
  })
  await publisher.publish(outbox)
  return count === LIMIT
}
