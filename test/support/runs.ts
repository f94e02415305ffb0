import assert from 'node:assert/strict'
import { compileWorkflow, deployWorkflow, getRunDetails, type Db, newId, publishJson, TERMINAL_RUN_STATUSES, type RunDetails, type WorkflowDefinitionInput } from '@baton/shared'
import { eventually, type TestNamespace } from './namespace.js'

/** Deploys a definition into the namespace. */
export async function deploy(ns: TestNamespace, def: WorkflowDefinitionInput, now?: Date): Promise<void> {
  await deployWorkflow(ns.db, compileWorkflow(def), now, { by: 'test' })
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

/** How many times each task was executed, keyed `runId/taskId`, from a ledger of executions (every attempt counts). */
export function executionsPerTask(ledger: readonly { runId: string; taskId: string }[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const e of ledger) out[`${e.runId}/${e.taskId}`] = (out[`${e.runId}/${e.taskId}`] ?? 0) + 1
  return out
}

/** The ledger `executionsPerTask` should show when each of `taskIds` of `runId` ran exactly once. */
export function oncePerTask(runId: string, taskIds: readonly string[]): Record<string, number> {
  return Object.fromEntries(taskIds.map((t) => [`${runId}/${t}`, 1]))
}

/**
 * The most runs of a backfill that were `running` at once, by the coordinator's own records: the
 * run transitions of its history, in the order they were written (`id`; `at` is each batch's
 * start time, so a transaction that admitted a run into a slot another one had just freed may
 * carry an earlier `at` than the transition that freed it). Also how many runs ran; fails if a
 * run entered `running` twice or ended without having run.
 */
export async function mostRunningAtOnce(db: Db, backfillId: string): Promise<{ most: number; runs: number }> {
  const rows = await db
    .selectFrom('history as h')
    .innerJoin('runs as r', 'r.id', 'h.run_id')
    .select(['h.run_id', 'h.to_status'])
    .where('r.backfill_id', '=', backfillId)
    .where('h.kind', '=', 'run')
    .where('h.to_status', 'in', ['running', ...TERMINAL_RUN_STATUSES])
    .orderBy('h.id')
    .execute()
  const running = new Set<string>()
  const started = new Set<string>()
  let most = 0
  for (const r of rows) {
    if (r.to_status === 'running') {
      assert.ok(!started.has(r.run_id!), `run ${r.run_id} entered running twice`)
      started.add(r.run_id!)
      running.add(r.run_id!)
      most = Math.max(most, running.size)
    } else {
      assert.ok(running.delete(r.run_id!), `run ${r.run_id} ended (${r.to_status}) without having been running`)
    }
  }
  return { most, runs: started.size }
}
