import { sql } from 'kysely'
import { archivedReason, newId, parsePartition, resolveRunParams, withPartitionParam, workflowStates, type Db, type ValidationIssue } from '@baton/shared'
import { insertRuns, type NewRun } from '../db/runs.js'
import { insertPendingTasks } from '../db/tasks.js'
import type { ApplyContext, RunRequestItem } from './apply-batch.js'
import { findRunByKey } from '../db/runs.js'

/**
 * Creates the runs requested in a batch, idempotently by (workflow, idempotency key): the same
 * request twice is one run. Invalid requests (params, partition) are added to `rejected` with
 * the reason. Runs of a concurrency group (maxActiveRuns, backfills) are created `queued` and
 * left to the admission job; the others are returned in `started`.
 */
export async function createRuns(
  db: Db,
  requests: readonly RunRequestItem[],
  ctx: ApplyContext,
  rejected: Map<number, string>,
): Promise<{ started: string[]; runIds: Map<number, string>; created: NewRun[] }> {
  const runIds = new Map<number, string>()
  if (requests.length === 0) return { started: [], runIds, created: [] }
  const states = await workflowStates(db, [...new Set(requests.map((r) => r.request.workflow))])
  const byKey = new Map<string, { run: NewRun; refs: number[] }>()
  const waiting = await parentsWaiting(db, requests)
  for (const { ref, request, options } of requests) {
    if (request.parent && !waiting.has(`${request.parent.runId}/${request.parent.taskId}/${request.parent.attempt}`)) {
      // The parent stopped waiting before its child was created (cancelled, timed out): no orphan run.
      rejected.set(ref, `the parent task ${request.parent.taskId} of run ${request.parent.runId} (attempt ${request.parent.attempt}) no longer waits for it`)
      continue
    }
    const state = states.get(request.workflow)
    if (!state || state.archived) {
      rejected.set(ref, state ? archivedReason(request.workflow) : `unknown workflow '${request.workflow}'`)
      continue
    }
    const hash = state.hash
    const wf = (await ctx.definitions.get(db, hash))!
    // Defaults are filled in and unknown names refused before the run exists, on every trigger path.
    const resolved = resolveRunParams(wf, withPartitionParam(wf, request))
    const issues: ValidationIssue[] = resolved.ok ? [] : [...resolved.issues]
    const params = resolved.ok ? resolved.params : {}
    if (request.partition !== undefined) {
      const p = parsePartition(wf.partitionKind, request.partition)
      if (!p.ok) issues.push({ path: 'partition', reason: `"${request.partition}" is not a ${wf.partitionKind} partition: ${p.reason}` })
    }
    if (issues.length > 0) {
      rejected.set(ref, issues.map((i) => `${i.path}: ${i.reason}`).join('; '))
      continue
    }
    const maxActive = wf.definition.maxActiveRuns ?? wf.definition.schedule?.maxActiveRuns
    const group = options?.concurrencyKey ? { key: options.concurrencyKey, limit: options.concurrencyLimit ?? 1 } : maxActive ? { key: `wf:${wf.name}`, limit: maxActive } : undefined
    const key = request.idempotencyKey ?? request.id
    const k = `${request.workflow}\u0000${key}`
    const existing = byKey.get(k)
    if (existing) {
      existing.refs.push(ref)
      continue
    }
    byKey.set(k, {
      refs: [ref],
      run: {
        id: newId(),
        workflow: request.workflow,
        versionHash: hash,
        idempotencyKey: key,
        partition: request.partition ?? null,
        params,
        trigger: request.trigger ?? 'manual',
        tasksTotal: wf.tasks.size,
        concurrencyKey: group?.key ?? null,
        concurrencyLimit: group?.limit ?? null,
        backfillId: options?.backfillId ?? null,
        scheduledFor: options?.scheduledFor ?? null,
        ...(request.parent ? { parent: request.parent } : {}),
      },
    })
  }
  const entries = [...byKey.values()]
  const inserted = await insertRuns(db, entries.map((e) => e.run))
  const taskRows = []
  for (const { run, refs } of entries) {
    let id = run.id
    if (inserted.has(run.id)) {
      const wf = (await ctx.definitions.get(db, run.versionHash))!
      for (const t of wf.tasks.values()) taskRows.push({ runId: run.id, taskId: t.id, queue: t.queue, nUpstream: t.upstream.length })
    } else {
      id = (await findRunByKey(db, run.workflow, run.idempotencyKey))?.id ?? id
    }
    for (const ref of refs) runIds.set(ref, id)
  }
  await insertPendingTasks(db, taskRows)
  // Grouped runs wait `queued` for the admission job; the others start in this transaction.
  const grouped = new Set(entries.filter((e) => e.run.concurrencyKey !== null).map((e) => e.run.id))
  return { started: [...inserted].filter((id) => !grouped.has(id)), runIds, created: entries.map((e) => e.run).filter((r) => inserted.has(r.id)) }
}

/** Parent attempts (`runId/taskId/attempt`) of child run requests that still wait for their child: running at that attempt. */
async function parentsWaiting(db: Db, requests: readonly RunRequestItem[]): Promise<Set<string>> {
  const parents = requests.flatMap((r) => (r.request.parent ? [r.request.parent] : []))
  if (parents.length === 0) return new Set()
  const rows = await sql<{ run_id: string; task_id: string; attempt: number }>`
    SELECT t.run_id, t.task_id, t.attempt FROM task_states t
    JOIN unnest(${parents.map((p) => p.runId)}::uuid[], ${parents.map((p) => p.taskId)}::text[]) AS v(run_id, task_id) ON t.run_id = v.run_id AND t.task_id = v.task_id
    WHERE t.status = 'running'`.execute(db)
  return new Set(rows.rows.map((r) => `${r.run_id}/${r.task_id}/${r.attempt}`))
}

