import { compileWorkflow, deployWorkflow, getRunDetails, type Db, newId, publishJson, TERMINAL_RUN_STATUSES, type RunDetails, type WorkflowDefinitionInput } from '@baton/shared'
import { eventually, type TestNamespace } from './namespace.js'

/** Deploys a definition into the namespace. */
export async function deploy(ns: TestNamespace, def: WorkflowDefinitionInput, now?: Date): Promise<void> {
  await deployWorkflow(ns.db, compileWorkflow(def), now)
}

/** Requests a run and returns its id once a coordinator created it. */
export async function trigger(ns: TestNamespace, workflow: string, extra: { partition?: string; params?: Record<string, unknown>; key?: string } = {}): Promise<string> {
  const id = newId()
  const key = extra.key ?? newId()
  await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow, idempotencyKey: key, ...(extra.partition ? { partition: extra.partition } : {}), ...(extra.params ? { params: extra.params } : {}) })
  return eventually(
    async () => (await ns.db.selectFrom('runs').select('id').where('workflow', '=', workflow).where('idempotency_key', '=', key).executeTakeFirst())?.id,
    `run of ${workflow} to be created`,
  )
}

/** Waits for a run to reach a terminal status and returns it with its tasks. */
export async function waitForRun(ns: TestNamespace, runId: string, timeoutMs = 30_000): Promise<RunDetails> {
  return eventually(async () => {
    const r = await getRunDetails(ns.db, runId)
    return r && TERMINAL_RUN_STATUSES.includes(r.status) ? r : undefined
  }, `run ${runId} to finish`, timeoutMs)
}

/** Task id → status of a run. */
export function statuses(run: RunDetails): Record<string, string> {
  return Object.fromEntries(run.tasks.map((t) => [t.id, t.status]))
}

/** Transitions recorded more than once (same run, task, attempt and new status): must be none. */
export async function duplicateTransitions(db: Db, runId?: string): Promise<unknown[]> {
  let q = db
    .selectFrom('history')
    .select(['run_id', 'task_id', 'attempt', 'to_status'])
    .where('kind', '=', 'transition')
  if (runId) q = q.where('run_id', '=', runId)
  return q.groupBy(['run_id', 'task_id', 'attempt', 'to_status']).having((eb) => eb.fn.countAll(), '>', 1).execute()
}
