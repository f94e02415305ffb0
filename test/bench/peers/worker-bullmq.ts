// BullMQ's worker process: one Worker per queue of the workload, no-op processors.
import { Queue, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import { bullmqQueues } from './bullmq.js'
import type { Tag } from './common.js'
import { reportHandlerError, workerMain } from './recorder.js'

type Payload = { tag: Tag; i?: number; n?: number }

await workerMain(async (spec, rec) => {
  const connection = { host: '127.0.0.1', port: Number(spec.connection) }
  const names = bullmqQueues(spec.workload)
  const queues = new Map(names.map((q) => [q, new Queue(q, { connection })]))
  for (const q of queues.values()) q.on('error', (e) => reportHandlerError(e))
  const queue = (name: string) => queues.get(name)!
  // The fan-out's join counter (a plain Redis key) needs a client of its own.
  const redis = new Redis(connection)
  redis.on('error', (e) => reportHandlerError(e))
  const lengthOf = (tag: Tag) => (tag === 'warm' ? spec.warmSize : spec.size)
  const processors: Record<string, (p: Payload) => Promise<void> | void> = {
    chain: async ({ tag, i = 0 }) => {
      const r = rec[tag]
      r.stepStart(i)
      r.stepEnd(i)
      if (i + 1 < lengthOf(tag)) await queue('chain').add('step', { tag, i: i + 1 })
    },
    fan_parent: async ({ tag, n = 0 }) => {
      await redis.set(`bench_fanout:${tag}`, n)
      rec[tag].fanParentEnd()
      await queue('fan_child').addBulk(Array.from({ length: n }, () => ({ name: 'child', data: { tag } })))
    },
    fan_child: async ({ tag }) => {
      rec[tag].fanChildStart()
      if ((await redis.decr(`bench_fanout:${tag}`)) === 0) await queue('fan_join').add('join', { tag })
    },
    fan_join: ({ tag }) => rec[tag].fanJoinStart(),
    tput: ({ tag }) => {
      rec[tag].taskStart()
      rec[tag].taskEnd()
    },
  }
  const workers = names.map((name) => {
    const processor = processors[name]!
    const worker = new Worker(name, async (job: Job<Payload>) => processor(job.data), { connection, concurrency: spec.concurrency })
    // A failed job is not retried (attempts 1): the driver must hear of it.
    worker.on('failed', (_job, e) => reportHandlerError(e))
    worker.on('error', (e) => reportHandlerError(e))
    return worker
  })
  await Promise.all(workers.map((w) => w.waitUntilReady()))
  return {
    async stop() {
      await Promise.all(workers.map((w) => w.close()))
      for (const q of queues.values()) await q.close()
      redis.disconnect()
    },
  }
})
