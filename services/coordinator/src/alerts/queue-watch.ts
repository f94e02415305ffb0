import { currentDefinitions, isAttended, queueActivity, type Db, type JetStreamManager, type Subjects } from '@baton/shared'
import { resolveQueueAlerts } from '../db/alerts.js'
import { forgetQueue, lockUnattendedQueue, markQueueAlerted, waitingQueues, watchedQueues } from '../db/queue-watch.js'
import { raiseAlerts } from './alert-store.js'
import type { AlertRoutes } from './alert-routes.js'

/**
 * "Stuck in queued": a queue with tasks waiting and no worker polling it. A worker polls by
 * keeping pull requests open on its queue's consumer (`num_waiting`); none for longer than
 * `unattendedAfterMs` while tasks are queued raises one `queue_unattended` alert per queue,
 * routed to the owners of the waiting workflows; a worker polling again resolves it.
 */
export async function watchQueues(db: Db, jsm: JetStreamManager, subjects: Subjects, alerting: { routes: AlertRoutes; repeatWindowMs: number }, unattendedAfterMs: number, now: Date = new Date()): Promise<void> {
  const waiting = await waitingQueues(db)
  const busy = new Set(waiting.map((w) => w.queue))
  for (const w of waiting) {
    const polled = isAttended(await queueActivity(jsm, subjects, w.queue), now, unattendedAfterMs)
    if (polled) {
      await forgetQueue(db, w.queue)
      await resolveQueueAlerts(db, w.queue, now)
      continue
    }
    await db.transaction().execute(async (trx) => {
      const row = await lockUnattendedQueue(trx, w.queue, now)
      if (row.alerted || now.getTime() - new Date(row.unattended_at!).getTime() < unattendedAfterMs) return
      const definitions = [...(await currentDefinitions(trx, w.workflows)).values()]
      const ownerOf = [...new Set(definitions.map((d) => (d as { owner?: string }).owner).filter((o): o is string => !!o))]
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
      await markQueueAlerted(trx, w.queue)
    })
  }
  // Queues no longer waiting: forget them (and resolve what fired).
  for (const queue of await watchedQueues(db)) {
    if (busy.has(queue)) continue
    await forgetQueue(db, queue)
    await resolveQueueAlerts(db, queue, now)
  }
}
