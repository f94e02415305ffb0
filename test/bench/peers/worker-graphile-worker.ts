// graphile-worker's worker process: `run()` with a task list of no-op handlers.
import { run, type JobHelpers, type TaskList } from 'graphile-worker'
import type { Tag, WorkerSpec } from './common.js'
import { quietGraphileLogger } from './graphile-worker.js'
import { reportHandlerError, workerMain, type Recorders } from './recorder.js'
import { graphileSettings } from './settings.js'

type Payload = { tag: Tag; i?: number; n?: number }

/** The handlers of `spec.workload`; peers stamp a step's end just before enqueuing the next. */
function tasks(spec: WorkerSpec, rec: Recorders): TaskList {
  const lengthOf = (tag: Tag) => (tag === 'warm' ? spec.warmSize : spec.size)
  // A throwing handler is retried by graphile-worker; tell the driver at once instead.
  const loud =
    (fn: (p: Payload, h: JobHelpers) => Promise<void> | void) =>
    async (payload: unknown, helpers: JobHelpers): Promise<void> => {
      try {
        await fn(payload as Payload, helpers)
      } catch (e) {
        reportHandlerError(e)
        throw e
      }
    }
  switch (spec.workload) {
    case 'chain':
      return {
        chain: loud(async ({ tag, i = 0 }, helpers) => {
          const r = rec[tag]
          r.stepStart(i)
          r.stepEnd(i)
          if (i + 1 < lengthOf(tag)) await helpers.addJob('chain', { tag, i: i + 1 })
        }),
      }
    case 'fanout':
      return {
        fan_parent: loud(async ({ tag, n = 0 }, helpers) => {
          await helpers.query('INSERT INTO bench_fanout (tag, remaining) VALUES ($1, $2) ON CONFLICT (tag) DO UPDATE SET remaining = excluded.remaining', [tag, n])
          rec[tag].fanParentEnd()
          await helpers.addJobs(Array.from({ length: n }, () => ({ identifier: 'fan_child', payload: { tag } })))
        }),
        fan_child: loud(async ({ tag }, helpers) => {
          rec[tag].fanChildStart()
          const { rows } = await helpers.query<{ remaining: number }>('UPDATE bench_fanout SET remaining = remaining - 1 WHERE tag = $1 RETURNING remaining', [tag])
          if (rows[0]?.remaining === 0) await helpers.addJob('fan_join', { tag })
        }),
        fan_join: loud(({ tag }) => rec[tag].fanJoinStart()),
      }
    case 'throughput':
      return {
        tput: loud(({ tag }) => {
          rec[tag].taskStart()
          rec[tag].taskEnd()
        }),
      }
  }
}

await workerMain(async (spec, rec) => {
  const s = graphileSettings(spec.workload)
  const runner = await run({
    connectionString: spec.connection,
    concurrency: s.concurrency,
    maxPoolSize: s.maxPoolSize,
    pollInterval: s.pollInterval_ms,
    noHandleSignals: true,
    logger: quietGraphileLogger,
    taskList: tasks(spec, rec),
    preset: { worker: { localQueue: { size: s.localQueue_size }, completeJobBatchDelay: s.completeJobBatchDelay_ms } },
  })
  return { stop: () => runner.stop() }
})
