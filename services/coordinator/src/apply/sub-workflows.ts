import { sql } from 'kysely'
import { attemptSpanId, TERMINAL_RUN_STATUSES, traceparentFor, type Db, type RunRequested, type RunStatus, type Subjects, type TaskEvent } from '@baton/shared'
import type { OutboxMessage } from '../db/outbox.js'
import { loadOutputs } from '../db/tasks.js'
import { loadMapResults } from '../db/map-instances.js'
import { unwrittenInstances } from './command-inputs.js'
import type { RunWork } from './run-work.js'

// Sub-workflows (docs/architecture.md, "Sub-workflows"): the messages a batch sends between a
// parent run and its child runs. Everything goes through the outbox, in the batch's transaction:
// the child's run request when the parent's task starts waiting, the child's outcome to the
// parent as the task's result when the child ends, and a cancellation to the child when the
// parent's task stops waiting any other way (a cancel, a timeout, an operator).

/** The idempotency key of the child run of one parent attempt: the same attempt never starts two. */
export function childRunKey(parentRunId: string, taskId: string, attempt: number): string {
  return `parent:${parentRunId}:${taskId}:${attempt}`
}

const isTerminal = (s: RunStatus) => TERMINAL_RUN_STATUSES.includes(s)

/** The child run requests of sub-workflow tasks this batch started waiting. */
function childStarts(works: readonly RunWork[], subjects: Subjects): OutboxMessage[] {
  const out: OutboxMessage[] = []
  for (const w of works) {
    const started = new Set(w.taskTransitions.filter((t) => t.to === 'running').map((t) => t.taskId))
    for (const taskId of started) {
      const def = w.workflow.tasks.get(taskId)!
      const task = w.tasks.get(taskId)!
      if (!def.subWorkflow || task.status !== 'running') continue
      const spec = def.subWorkflow
      const partition = spec.partition ?? w.view.partition
      const request: RunRequested = {
        id: `${w.view.id}.${taskId}.${task.attempt}.child`,
        workflow: spec.workflow,
        params: { ...spec.params },
        ...(partition !== null ? { partition } : {}),
        idempotencyKey: childRunKey(w.view.id, taskId, task.attempt),
        trigger: 'parent',
        parent: { runId: w.view.id, taskId, attempt: task.attempt },
      }
      out.push({ transport: 'jetstream', subject: subjects.runRequested, msgId: request.id, payload: request, traceparent: traceparentFor(w.view.id, attemptSpanId(w.view.id, taskId, task.attempt)) })
    }
  }
  return out
}

/** A result for the parent's waiting task, as a worker would publish it. */
function parentEvent(subjects: Subjects, childRunId: string, parent: { runId: string; taskId: string; attempt: number }, body: Pick<TaskEvent, 'type' | 'output' | 'error'>, now: Date): OutboxMessage {
  const event: TaskEvent = { id: `${childRunId}.ended`, runId: parent.runId, taskId: parent.taskId, attempt: parent.attempt, workerId: `run:${childRunId}`, at: now.toISOString(), ...body }
  return { transport: 'jetstream', subject: subjects.task(parent.runId), msgId: event.id, payload: event, traceparent: traceparentFor(parent.runId, attemptSpanId(parent.runId, parent.taskId, parent.attempt)) }
}

/** The outcome of child runs this batch ended, to their parents' waiting tasks. */
async function childEnds(db: Db, works: readonly RunWork[], subjects: Subjects, now: Date): Promise<OutboxMessage[]> {
  const ended = works.filter((w) => w.row.parent_run_id !== null && isTerminal(w.view.status) && !isTerminal(w.row.status as RunStatus))
  if (ended.length === 0) return []
  // A succeeded child's outputs: those of its last tasks (no downstream), from this batch or the table.
  const leavesOf = (w: RunWork) => [...w.workflow.tasks.values()].filter((t) => t.downstream.length === 0).map((t) => t.id)
  const succeeded = ended.filter((w) => w.view.status === 'succeeded')
  const unread = succeeded.flatMap((w) => leavesOf(w).filter((id) => !w.workflow.tasks.get(id)!.map && !('output' in (w.tasks.get(id) ?? {}))).map((taskId) => ({ runId: w.view.id, taskId })))
  // A mapped last task gives its summary (count, failures), never up to 100,000 outputs in one message.
  const maps = new Map<string, { runId: string; taskId: string; reduce: boolean }>(succeeded.flatMap((w) => leavesOf(w).filter((id) => w.workflow.tasks.get(id)!.map).map((taskId) => [`${w.view.id}/${taskId}`, { runId: w.view.id, taskId, reduce: true }] as const)))
  const [stored, mapped] = await Promise.all([loadOutputs(db, unread), loadMapResults(db, [...maps.values()], unwrittenInstances(succeeded, maps))])
  // A failed child's first failure: the one this batch recorded (not written yet), else the first stored.
  const inBatch = new Map(ended.flatMap((w) => {
    const t = w.view.status === 'failed' ? [...w.tasks.values()].find((x) => x.status === 'failed' && w.dirtyTasks.has(x.taskId)) : undefined
    return t ? [[w.view.id, { task_id: t.taskId, error: (t as { error?: { message?: string } | null }).error ?? null }] as const] : []
  }))
  const lookUp = ended.filter((w) => w.view.status === 'failed' && !inBatch.has(w.view.id)).map((w) => w.view.id)
  const failedFirst =
    lookUp.length === 0
      ? []
      : (
          await sql<{ run_id: string; task_id: string; error: { message?: string } | null }>`
            SELECT DISTINCT ON (run_id) run_id, task_id, error FROM task_states
            WHERE run_id = ANY(${lookUp}::uuid[]) AND status = 'failed'
            ORDER BY run_id, finished_at NULLS LAST`.execute(db)
        ).rows
  const out: OutboxMessage[] = []
  for (const w of ended) {
    const parent = { runId: w.row.parent_run_id!, taskId: w.row.parent_task_id!, attempt: w.row.parent_attempt! }
    const what = `sub-workflow ${w.view.workflow} run ${w.view.id}`
    if (w.view.status === 'succeeded') {
      const outputs: Record<string, unknown> = {}
      for (const id of leavesOf(w)) {
        const t = w.tasks.get(id) as { output?: unknown } | undefined
        const key = `${w.view.id}/${id}`
        outputs[id] = maps.has(key) ? (mapped.get(key) ?? null) : t && 'output' in t ? t.output : (stored.get(key) ?? null)
      }
      out.push(parentEvent(subjects, w.view.id, parent, { type: 'succeeded', output: { runId: w.view.id, workflow: w.view.workflow, status: 'succeeded', outputs } }, now))
    } else if (w.view.status === 'failed') {
      const f = inBatch.get(w.view.id) ?? failedFirst.find((r) => r.run_id === w.view.id)
      const message = `${what} failed${f ? `: task ${f.task_id}: ${f.error?.message ?? 'failed'}` : ''}`
      // Retryable: a retry of the parent's task starts a new child run (a new attempt, a new key).
      out.push(parentEvent(subjects, w.view.id, parent, { type: 'failed', error: { message: message.slice(0, 2000), retryable: true, kind: 'subworkflow_failed' } }, now))
    } else {
      const message = `${what} was cancelled${w.view.cancelReason ? `: ${w.view.cancelReason}` : ''}`
      out.push(parentEvent(subjects, w.view.id, parent, { type: 'failed', error: { message: message.slice(0, 2000), retryable: false, kind: 'subworkflow_cancelled' } }, now))
    }
  }
  return out
}

/** Cancellations of the child runs of sub-workflow tasks that stopped waiting other than by their child's success. */
async function childCancels(db: Db, works: readonly RunWork[], subjects: Subjects): Promise<OutboxMessage[]> {
  const stopped = works.flatMap((w) =>
    w.taskTransitions.filter((t) => t.from === 'running' && t.to !== 'succeeded' && w.workflow.tasks.get(t.taskId)?.subWorkflow).map((t) => ({ runId: w.view.id, taskId: t.taskId, attempt: t.attempt, to: t.to })),
  )
  if (stopped.length === 0) return []
  const children = await sql<{ id: string; parent_run_id: string; parent_task_id: string; parent_attempt: number }>`
    SELECT r.id, r.parent_run_id, r.parent_task_id, r.parent_attempt FROM runs r
    JOIN unnest(${stopped.map((s) => s.runId)}::uuid[], ${stopped.map((s) => s.taskId)}::text[], ${stopped.map((s) => s.attempt)}::int[]) AS v(run_id, task_id, attempt)
      ON r.parent_run_id = v.run_id AND r.parent_task_id = v.task_id AND r.parent_attempt = v.attempt
    WHERE r.status NOT IN ('succeeded', 'failed', 'cancelled')`.execute(db)
  return children.rows.map((c) => {
    const why = stopped.find((s) => s.runId === c.parent_run_id && s.taskId === c.parent_task_id)!
    const request = { id: `${c.id}.cancel-by-parent`, runId: c.id, reason: `its parent run ${c.parent_run_id} stopped waiting for it (task ${c.parent_task_id} ${why.to})` }
    return { transport: 'jetstream' as const, subject: subjects.runCancelRequested, msgId: request.id, payload: request, traceparent: traceparentFor(c.id) }
  })
}

/** The failure of a parent's task whose child run was refused (the reason names the culprit). */
export function childNotStarted(request: RunRequested, reason: string, subjects: Subjects, now: Date): OutboxMessage {
  const parent = request.parent!
  const message = `sub-workflow ${request.workflow} could not start: ${reason}`
  return parentEvent(subjects, `${request.id}.refused`, parent, { type: 'failed', error: { message: message.slice(0, 2000), retryable: false, kind: 'subworkflow_not_started' } }, now)
}

/** Every sub-workflow message a batch sends: child starts, child outcomes to parents, child cancellations. */
export async function subWorkflowMessages(db: Db, works: readonly RunWork[], subjects: Subjects, now: Date): Promise<OutboxMessage[]> {
  return [...childStarts(works, subjects), ...(await childEnds(db, works, subjects, now)), ...(await childCancels(db, works, subjects))]
}
