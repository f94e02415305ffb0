// BullMQ's driver: its private redis-server (redis-server.ts), jobs added with Queue.add /
// addBulk; the worker process is worker-bullmq.ts. Each repetition starts from an empty Redis.
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import type { Workload } from './common.js'
import type { PrivateRedis } from './redis-server.js'
import { packageVersion, type System } from './system.js'

/** The BullMQ queues of a workload. */
export function bullmqQueues(workload: Workload): string[] {
  switch (workload) {
    case 'chain':
      return ['chain']
    case 'fanout':
      return ['fan_parent', 'fan_child', 'fan_join']
    case 'throughput':
      return ['tput']
  }
}

/** BullMQ on `redis`, driven through its public API. */
export function bullmq(redis: () => PrivateRedis): System {
  return {
    name: 'bullmq',
    version: packageVersion('bullmq'),
    async open(_sizes, workloads) {
      const connection = { host: '127.0.0.1', port: redis().port }
      const queues = new Map(workloads.flatMap(bullmqQueues).map((q) => [q, new Queue(q, { connection })]))
      for (const [name, q] of queues) q.on('error', (e) => console.error(`bullmq queue ${name} (driver): ${e.message}`))
      const queue = (name: string) => queues.get(name)!
      return {
        workerEnv: process.env,
        connection: String(connection.port),
        async enqueue(workload, tag, size) {
          if (workload === 'chain') await queue('chain').add('step', { tag, i: 0 })
          else if (workload === 'fanout') await queue('fan_parent').add('parent', { tag, n: size })
          else await queue('tput').addBulk(Array.from({ length: size }, () => ({ name: 'task', data: { tag } })))
        },
        async settled(workload) {
          for (const name of bullmqQueues(workload)) {
            const counts = await queue(name).getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children')
            if (Object.values(counts).some((n) => n > 0)) return false
          }
          return true
        },
        async close() {
          // The next repetition starts from an empty Redis, as the others start from a fresh
          // database. No retries: with Redis gone (Ctrl-C), closing must not wait for it.
          const client = new Redis({ ...connection, maxRetriesPerRequest: 0, retryStrategy: () => null })
          client.on('error', () => {})
          try {
            await client.flushall()
          } finally {
            client.disconnect()
            await Promise.all([...queues.values()].map((q) => q.close()))
          }
        },
      }
    },
  }
}
