// Baton's worker process: startWorker from @baton/sdk with one TypeScript no-op handler, as a
// user's worker service runs. The workflow name says warm-up or measured run; the task id says which step.
import { startWorker, type TaskContext } from '@baton/sdk'
import { BATON_QUEUE, type Tag, type WorkerSpec } from './common.js'
import { workerMain, type Recorders } from './recorder.js'

/** The no-op handler: stamps start and end (Baton's hand-off ends when the handler returns). */
function noop(spec: WorkerSpec, rec: Recorders) {
  return (ctx: TaskContext): null => {
    const r = rec[(ctx.workflow.endsWith('_warm') ? 'warm' : 'main') satisfies Tag]
    if (spec.workload === 'chain') {
      const i = Number(ctx.taskId.slice(1))
      r.stepStart(i)
      r.stepEnd(i)
    } else if (spec.workload === 'fanout') {
      if (ctx.taskId === 'parent') r.fanParentEnd()
      else if (ctx.taskId === 'join') r.fanJoinStart()
      else r.fanChildStart()
    } else {
      r.taskStart()
      r.taskEnd()
    }
    return null
  }
}

await workerMain(async (spec, rec) => {
  const worker = await startWorker({ queue: BATON_QUEUE, concurrency: spec.concurrency, handlers: { noop: noop(spec, rec) } })
  return { stop: () => worker.stop() }
})
