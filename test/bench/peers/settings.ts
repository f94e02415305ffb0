// Each system's worker settings, in one place: the worker entries configure their library from
// here and the driver prints the same objects, so the output cannot drift from what ran.
import { CONCURRENCY, type SystemName, type Workload } from './common.js'

/**
 * graphile-worker: `run()` with LISTEN/NOTIFY (its default: a new job wakes an idle worker at
 * once; `pollInterval` is only the fallback). For many queued jobs the documented batching
 * (docs "Performance": localQueue of concurrency + 1, completeJobBatchDelay 0) is on; the chain
 * has one job at a time, where batching only adds latency, so it runs without.
 */
export function graphileSettings(workload: Workload) {
  const batching = workload !== 'chain'
  return {
    concurrency: CONCURRENCY,
    maxPoolSize: CONCURRENCY + 2,
    pollInterval_ms: 2000,
    listen_notify: true,
    localQueue_size: batching ? CONCURRENCY + 1 : -1,
    completeJobBatchDelay_ms: batching ? 0 : -1,
  }
}

/** The pg-boss queues of a workload and the batch size of each queue's one `work()` call. */
export function pgBossQueues(workload: Workload): Record<string, number> {
  switch (workload) {
    case 'chain':
      return { chain: 1 }
    case 'fanout':
      return { fan_parent: 1, fan_child: CONCURRENCY, fan_join: 1 }
    case 'throughput':
      return { tput: CONCURRENCY }
  }
}

/**
 * pg-boss 10: each `work()` fetches up to batchSize jobs, runs them, then waits out the polling
 * interval (0.5 s, its minimum) unless notified; `notifyWorker` after an in-process send (next
 * chain step, children, join) skips that wait (its public API for that), and so does a full batch
 * (more are waiting: fetch again at once). A batch of 50 = 50 handlers at once (the same
 * concurrency as the others).
 */
export function pgBossSettings(workload: Workload) {
  return {
    concurrency: CONCURRENCY,
    work_batchSize: pgBossQueues(workload),
    pollingIntervalSeconds: 0.5,
    notifyWorker_after_in_process_send: workload !== 'throughput',
    notifyWorker_after_full_batch: true,
    pool_max: CONCURRENCY + 2,
  }
}

/** BullMQ: one Worker per queue, concurrency 50, on a private redis-server fsyncing every write. */
export function bullmqSettings(workload: Workload, redisFlags: readonly string[]) {
  return {
    concurrency: CONCURRENCY,
    redis: redisFlags.join(' '),
    job_options: 'defaults (attempts 1, completed jobs kept)',
    ...(workload === 'fanout' ? { join: 'Redis DECR counter; the child reaching 0 adds the join' } : {}),
  }
}

/** Baton: one `baton coordinator`, one worker process running `startWorker` with TS no-op handlers. */
export function batonSettings(workload: Workload, tputWidth: number, tputTasks: number) {
  return {
    concurrency: CONCURRENCY,
    coordinators: 1,
    worker: 'startWorker (@baton/sdk), TypeScript no-op handler',
    ...(workload === 'throughput' ? { shape: `${tputTasks / tputWidth} runs x ${tputWidth} independent tasks, requested back to back` } : {}),
  }
}

/** The floor: one stand-in coordinator process and one worker process speaking JetStream directly. */
export function floorSettings(workload: Workload, tputWidth: number, tputTasks: number) {
  return {
    concurrency: CONCURRENCY,
    coordinator: 'consume events; per batch: one INSERT of a row per event, commands published (PubAcks awaited together), events acked',
    worker: 'consume commands; publish the completion (PubAck awaited), ack',
    ...(workload === 'throughput' ? { shape: `${tputTasks / tputWidth} requests x ${tputWidth} tasks, published back to back` } : {}),
  }
}

/** Printable settings of `system` for `workload`. */
export function settingsOf(system: SystemName, workload: Workload, extra: { redisFlags: readonly string[]; tputWidth: number; tputTasks: number }): Record<string, unknown> {
  switch (system) {
    case 'graphile-worker':
      return graphileSettings(workload)
    case 'pg-boss':
      return pgBossSettings(workload)
    case 'bullmq':
      return bullmqSettings(workload, extra.redisFlags)
    case 'baton':
      return batonSettings(workload, extra.tputWidth, extra.tputTasks)
    case 'floor':
      return floorSettings(workload, extra.tputWidth, extra.tputTasks)
  }
}
