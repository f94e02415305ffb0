import type { Db, GaugeSample, JetStreamManager, QueueGauge, Subjects } from '@baton/shared'
import { outboxBacklog } from '../db/outbox.js'
import { poolUse } from '../db/pool-use.js'
import { timerLagMs } from '../db/timers.js'

/**
 * The coordinator's gauges, sampled when the metrics endpoint is scraped (never per event):
 * per queue, from the commands stream — one consumer listing and one stream info per sample —
 * the events waiting for the coordinators, one consumer info, and the pools' use, the outbox
 * backlog and the timer lag, one small query each. A part that fails is left out of the sample
 * rather than failing the scrape.
 */
export function coordinatorGauges(db: Db, jsm: JetStreamManager, subjects: Subjects): () => Promise<GaugeSample> {
  return async () => {
    const [queues, events, pools, backlog, lag] = await Promise.allSettled([
      queueGauges(jsm, subjects),
      eventsWaiting(jsm, subjects),
      poolUse(db),
      outboxBacklog(db),
      timerLagMs(db, new Date()),
    ])
    return {
      ...(queues.status === 'fulfilled' ? { queues: queues.value } : {}),
      ...(events.status === 'fulfilled' ? { eventsWaiting: events.value } : {}),
      ...(pools.status === 'fulfilled' ? { pools: pools.value } : {}),
      ...(backlog.status === 'fulfilled' ? { outboxBacklog: backlog.value.rows, outboxOldestSeconds: backlog.value.oldestSeconds } : {}),
      ...(lag.status === 'fulfilled' ? { timerLagSeconds: lag.value / 1000 } : {}),
    }
  }
}

/**
 * Events stored and not yet applied: not yet delivered to any coordinator, plus delivered and
 * not yet acknowledged (a coordinator acknowledges after its transaction commits). Every
 * coordinator reads the one shared consumer, so each reports the same number.
 */
async function eventsWaiting(jsm: JetStreamManager, subjects: Subjects): Promise<number> {
  const c = await jsm.consumers.info(subjects.eventsStream, subjects.coordinatorConsumer)
  return c.num_pending + c.num_ack_pending
}

/**
 * Each queue's depth (not yet delivered), lag (delivered, not acknowledged) and polling workers,
 * from its `worker_<queue>` consumer. A queue whose consumer does not exist yet (no worker ever
 * started) still has a depth: the commands waiting on its subject in the work-queue stream.
 */
async function queueGauges(jsm: JetStreamManager, subjects: Subjects): Promise<QueueGauge[]> {
  const prefix = subjects.command('')
  const byQueue = new Map<string, QueueGauge>()
  for await (const c of jsm.consumers.list(subjects.commandsStream)) {
    const filter = c.config.filter_subject
    if (!filter?.startsWith(prefix)) continue
    const queue = filter.slice(prefix.length)
    byQueue.set(queue, { queue, depth: c.num_pending, lag: c.num_ack_pending, workers: c.num_waiting })
  }
  const stream = await jsm.streams.info(subjects.commandsStream, { subjects_filter: subjects.commands })
  for (const [subject, count] of Object.entries(stream.state.subjects ?? {})) {
    const queue = subject.slice(prefix.length)
    if (subject.startsWith(prefix) && !byQueue.has(queue)) byQueue.set(queue, { queue, depth: count, lag: 0, workers: 0 })
  }
  return [...byQueue.values()]
}
