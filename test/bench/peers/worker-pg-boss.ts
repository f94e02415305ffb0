// pg-boss's worker process: one `work()` per queue of the workload, no-op handlers.
import PgBoss from 'pg-boss'
import type { Tag } from './common.js'
import { reportHandlerError, workerMain } from './recorder.js'
import { pgBossQueues, pgBossSettings } from './settings.js'

type Payload = { tag: Tag; i?: number; n?: number }

await workerMain(async (spec, rec) => {
  const s = pgBossSettings(spec.workload)
  const boss = new PgBoss({ connectionString: spec.connection, max: s.pool_max })
  boss.on('error', (e) => reportHandlerError(e))
  await boss.start()
  const lengthOf = (tag: Tag) => (tag === 'warm' ? spec.warmSize : spec.size)
  // Worker ids by queue, for notifyWorker after an in-process send.
  const ids: Record<string, string> = {}
  const notify = (queue: string) => {
    if (s.notifyWorker_after_in_process_send && ids[queue]) boss.notifyWorker(ids[queue])
  }
  const handlers: Record<string, (p: Payload) => Promise<void> | void> = {
    chain: async ({ tag, i = 0 }) => {
      const r = rec[tag]
      r.stepStart(i)
      r.stepEnd(i)
      if (i + 1 < lengthOf(tag)) {
        await boss.send('chain', { tag, i: i + 1 })
        notify('chain')
      }
    },
    fan_parent: async ({ tag, n = 0 }) => {
      await boss.getDb().executeSql('INSERT INTO bench_fanout (tag, remaining) VALUES ($1, $2) ON CONFLICT (tag) DO UPDATE SET remaining = excluded.remaining', [tag, n])
      rec[tag].fanParentEnd()
      await boss.insert(Array.from({ length: n }, () => ({ name: 'fan_child', data: { tag } })))
      notify('fan_child')
    },
    fan_child: async ({ tag }) => {
      rec[tag].fanChildStart()
      const { rows } = await boss.getDb().executeSql('UPDATE bench_fanout SET remaining = remaining - 1 WHERE tag = $1 RETURNING remaining', [tag])
      if ((rows[0] as { remaining: number } | undefined)?.remaining === 0) {
        await boss.send('fan_join', { tag })
        notify('fan_join')
      }
    },
    fan_join: ({ tag }) => rec[tag].fanJoinStart(),
    tput: ({ tag }) => {
      rec[tag].taskStart()
      rec[tag].taskEnd()
    },
  }
  for (const [queue, batchSize] of Object.entries(pgBossQueues(spec.workload))) {
    const handler = handlers[queue]!
    ids[queue] = await boss.work<Payload>(queue, { batchSize, pollingIntervalSeconds: s.pollingIntervalSeconds }, async (jobs) => {
      // A batch's jobs run at once; a throwing handler fails its job (retried), so tell the driver.
      await Promise.all(jobs.map(async (job) => handler(job.data))).catch((e: unknown) => {
        reportHandlerError(e)
        throw e
      })
      // A full batch means more are waiting: fetch again at once instead of after the polling
      // interval, as a user draining a backlog does (pg-boss waits the interval after every
      // fetch unless notified: 50 jobs per 0.5 s, 100/s, otherwise).
      if (jobs.length === batchSize) boss.notifyWorker(ids[queue]!)
    })
  }
  return { stop: () => boss.stop({ graceful: true, wait: true, timeout: 5000 }) }
})
