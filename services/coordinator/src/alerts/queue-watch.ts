import { sql } from 'kysely'
import type { Db, JetStreamManager, Subjects } from '@baton/shared'
import { raiseAlerts, resolveQueueAlerts } from './alert-store.js'
import type { AlertRoutes } from './alert-routes.js'

/**
 * "Stuck in queued": a queue with tasks waiting and no worker polling it. A worker polls by
 * keeping pull requests open on its queue's consumer (`num_waiting`); none for longer than
 * `unattendedAfterMs` while tasks are queued raises one `queue_unattended` alert per queue,
 * routed to the owners of the waiting workflows; a worker polling again resolves it.
 */
export async function watchQueues(db: Db, jsm: JetStreamManager, subjects: Subjects, alerting: { routes: AlertRoutes; repeatWindowMs: number }, unattendedAfterMs: number, now: Date = new Date()): Promise<void> {
  const waiting = await sql<{ queue: string; n: number; oldest: Date; workflows: string[] }>`
    SELECT t.queue, count(*)::int AS n, min(t.queued_at) AS oldest, array_agg(DISTINCT r.workflow) AS workflows
    FROM task_states t JOIN runs r ON r.id = t.run_id
    WHERE t.status = 'queued' GROUP BY t.queue`.execute(db)
  const busy = new Set(waiting.rows.map((w) => w.queue))
  for (const w of waiting.rows) {
    const info = await jsm.consumers.info(subjects.commandsStream, subjects.workerConsumer(w.queue)).catch(() => undefined)
    // A worker between two pull requests shows num_waiting 0 for a moment: a delivery within the
    // threshold also counts as attended.
    // The server sends an ISO time (the client's type says nanoseconds); anything else counts as never.
    const raw: unknown = info?.delivered?.last_active
    const lastActive = typeof raw === 'string' ? Date.parse(raw) || 0 : 0
    const polled = (info?.num_waiting ?? 0) > 0 || (info?.num_ack_pending ?? 0) > 0 || now.getTime() - lastActive < unattendedAfterMs
    if (polled) {
      await db.deleteFrom('queue_watch').where('queue', '=', w.queue).execute()
      await resolveQueueAlerts(db, w.queue, now)
      continue
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('queue_watch').values({ queue: w.queue, unattended_at: now }).onConflict((oc) => oc.column('queue').doNothing()).execute()
      const row = await trx.selectFrom('queue_watch').selectAll().where('queue', '=', w.queue).forUpdate().executeTakeFirstOrThrow()
      if (row.alerted || now.getTime() - new Date(row.unattended_at!).getTime() < unattendedAfterMs) return
      const owners = await trx
        .selectFrom('workflows as f')
        .innerJoin('workflow_versions as v', 'v.hash', 'f.current_hash')
        .select('v.definition')
        .where('f.name', 'in', w.workflows)
        .execute()
      const ownerOf = [...new Set(owners.map((o) => (o.definition as { owner?: string }).owner).filter((o): o is string => !!o))]
      const causes = (ownerOf.length > 0 ? ownerOf : [null]).map((owner) => ({
        kind: 'queue_unattended' as const,
        causeKey: `queue:${w.queue}${owner ? `:${owner}` : ''}`,
        workflow: null,
        partition: null,
        runId: null,
        owner,
        summary: `queue '${w.queue}': ${w.n} task(s) waiting since ${new Date(w.oldest).toISOString()} and no worker is polling it`,
        details: { queue: w.queue, waiting: w.n, oldestQueuedAt: new Date(w.oldest).toISOString(), workflows: w.workflows },
      }))
      await raiseAlerts(trx, causes, alerting.routes, alerting.repeatWindowMs, now)
      await trx.updateTable('queue_watch').set({ alerted: true }).where('queue', '=', w.queue).execute()
    })
  }
  // Queues no longer waiting: forget them (and resolve what fired).
  const watched = await db.selectFrom('queue_watch').select('queue').execute()
  for (const { queue } of watched) {
    if (busy.has(queue)) continue
    await db.deleteFrom('queue_watch').where('queue', '=', queue).execute()
    await resolveQueueAlerts(db, queue, now)
  }
}
