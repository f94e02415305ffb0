import { discoverWorkers, isAttended, queueActivity, type CompiledWorkflow, type ValidationIssue } from '@baton/shared'
import type { CliClient } from './client.js'

/** A queue whose consumer delivered within this long counts as polled (a worker between pulls). */
const RECENTLY_POLLED_MS = 5 * 60_000

/**
 * What `baton deploy` warns about (it deploys anyway): a queue no worker has polled recently, a
 * task with no `run` that no worker on its queue has a handler for, a `run` task on a queue whose
 * workers have no sh/http runners. Workers answer a discovery request; a worker that does not
 * answer (another language) still counts through its queue consumer's activity. NATS being
 * unreachable is itself a warning, never a failed deploy.
 */
export async function workerWarnings(client: CliClient, workflows: readonly CompiledWorkflow[]): Promise<ValidationIssue[]> {
  let workers
  let jsm
  try {
    workers = await discoverWorkers(await client.nats(), client.subjects)
    jsm = await client.jsm()
  } catch (e) {
    return [{ path: '', reason: `could not check which workers are running (NATS: ${(e as Error).message})` }]
  }
  const now = new Date()
  const attended = new Map<string, boolean>()
  const warnings: ValidationIssue[] = []
  for (const wf of workflows) {
    for (const queue of wf.queues) {
      const here = workers.filter((w) => w.queue === queue)
      if (here.length === 0) {
        if (!attended.has(queue)) attended.set(queue, isAttended(await queueActivity(jsm, client.subjects, queue), now, RECENTLY_POLLED_MS))
        if (!attended.get(queue)) {
          warnings.push({ path: `${wf.name}: queue '${queue}'`, reason: `no worker has polled it recently: its tasks will wait in queued until one runs (baton worker --queue ${queue})` })
        }
        continue
      }
      const handlers = new Set(here.flatMap((w) => w.handlers))
      const runners = here.some((w) => w.runners)
      for (const t of wf.tasks.values()) {
        // An approval task takes no worker: nothing to warn about.
        if (t.queue !== queue || t.kind === 'approval') continue
        if (t.run && !runners) {
          warnings.push({ path: `${wf.name}: tasks.${t.id}.run`, reason: `no worker on queue '${queue}' runs sh/http tasks (the stock worker does: baton worker --queue ${queue})` })
        } else if (!t.run && !handlers.has(t.handler)) {
          const known = [...handlers].sort()
          warnings.push({
            path: `${wf.name}: tasks.${t.id}`,
            reason: `no 'run', and no worker on queue '${queue}' has a handler named '${t.handler}'${known.length ? ` (its workers handle: ${known.join(', ')})` : ' (its workers have no handlers)'}`,
          })
        }
      }
    }
  }
  return warnings
}
