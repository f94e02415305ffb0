import {
  BatonError,
  getRunDetails,
  newId,
  NotFoundError,
  publishJson,
  refuseInstanceAction,
  TERMINAL_RUN_STATUSES,
  ValidationError,
  workflowStates,
  type RunActionRequested,
  type RunCancelRequested,
  type RunDetails,
  type WorkflowPauseRequested,
} from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { ApiError } from '../api-error.js'
import { fetchRun } from '../api-run.js'
import { cliActor } from '../cli-actor.js'
import { CliClient } from '../client.js'
import { ACTION_WAIT_MS, bulkDirect, sendRunEvent, type BulkFilter } from '../operator-direct.js'
import { printBulk, printOutcome, type ActionOutcome, type BulkItem } from '../operator-lines.js'
import { watchRun } from '../watch-run.js'

// The operator actions (docs/operations.md, "Operator actions"): cancel, retry from failure,
// clear, mark, approve, reject, pause, unpause, and the bulk forms of retry and cancel. Each
// command decides its mode in `operate()`: through the HTTP API when BATON_API_URL and
// BATON_TOKEN are set, else straight on NATS (and Postgres, to wait for the coordinator's record).

/** Seconds the API waits for a coordinator (`?wait=`), as long as direct mode waits. */
const WAIT_SECONDS = ACTION_WAIT_MS / 1000

/** One action on one run, as both modes send it. */
interface RunAction {
  readonly action: 'retry' | 'clear' | 'mark' | 'approve' | 'reject'
  readonly runId: string
  readonly taskId?: string
  readonly scope?: 'task' | 'downstream' | 'upstream'
  readonly status?: 'succeeded' | 'failed'
  readonly reason?: string
  /** `retry` only: move the run to its workflow's current version first. */
  readonly toLatest?: boolean
}

/** What became of a cancel: the run was already finished, it finished, or it is still going. */
type CancelOutcome = { readonly kind: 'already' | 'done'; readonly status: string } | { readonly kind: 'requested' }

/** What an operator command does, in each mode. */
interface Operator {
  cancel(runId: string, reason: string): Promise<CancelOutcome>
  run(a: RunAction): Promise<ActionOutcome>
  pause(workflow: string, paused: boolean, reason?: string): Promise<ActionOutcome>
  bulk(action: 'retry' | 'cancel', filter: BulkFilter, options: { dryRun: boolean; limit: number; reason?: string }): Promise<{ items: BulkItem[]; remaining: boolean }>
  close(): Promise<void>
}

/** The one place these commands choose their mode. */
function operate(): Operator {
  const api = apiTarget()
  return api ? apiOperator(api) : directOperator()
}

function apiOperator(target: ApiTarget): Operator {
  const api = new ApiClient(target)
  const wait = { wait: WAIT_SECONDS }
  /** 200 applied, 202 pending, 409 ignored (the reason); every other error is thrown. */
  const outcome = async (call: () => Promise<{ data: { outcome: string; eventId: string; runStatus?: string }; status: number }>): Promise<ActionOutcome> => {
    try {
      const { data } = await call()
      return data.outcome === 'applied' ? { outcome: 'applied', ...(data.runStatus ? { state: `run now ${data.runStatus}` } : {}) } : { outcome: 'pending', eventId: data.eventId }
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return { outcome: 'ignored', reason: e.reason }
      throw e
    }
  }
  return {
    async cancel(runId, reason) {
      let applied: boolean
      try {
        applied = (await api.ok(api.http.POST('/runs/{id}/cancel', { params: { path: { id: runId }, query: wait }, body: { reason } }))).data.outcome === 'applied'
      } catch (e) {
        const status = e instanceof ApiError && e.status === 409 ? (e.details as { status?: unknown } | null)?.status : undefined
        if (typeof status === 'string' && TERMINAL_RUN_STATUSES.includes(status as never)) return { kind: 'already', status }
        throw e
      }
      if (!applied) return { kind: 'requested' }
      const load = async () => (await fetchRun(api, runId)).run
      const done = await watchRun(load, runId, () => {}, { timeoutMs: ACTION_WAIT_MS }).catch(() => undefined)
      return done ? { kind: 'done', status: done.status } : { kind: 'requested' }
    },
    run: (a) =>
      outcome(() => {
        const reason = a.reason !== undefined ? { reason: a.reason } : {}
        if (a.action === 'retry') return api.ok(api.http.POST('/runs/{id}/retry', { params: { path: { id: a.runId }, query: wait }, body: { ...reason, ...(a.toLatest ? { toLatest: true } : {}) } }))
        const path = { id: a.runId, taskId: a.taskId! }
        if (a.action === 'clear') return api.ok(api.http.POST('/runs/{id}/tasks/{taskId}/clear', { params: { path, query: wait }, body: { scope: a.scope ?? 'task', ...reason } }))
        if (a.action === 'mark') return api.ok(api.http.POST('/runs/{id}/tasks/{taskId}/mark', { params: { path, query: wait }, body: { status: a.status!, reason: a.reason! } }))
        if (a.action === 'approve') return api.ok(api.http.POST('/runs/{id}/tasks/{taskId}/approve', { params: { path, query: wait }, body: reason }))
        return api.ok(api.http.POST('/runs/{id}/tasks/{taskId}/reject', { params: { path, query: wait }, body: reason }))
      }),
    pause: (workflow, paused, reason) =>
      outcome(async () => {
        const body = reason !== undefined ? { reason } : {}
        const path = { name: workflow }
        const r = paused ? await api.ok(api.http.POST('/workflows/{name}/pause', { params: { path, query: wait }, body })) : await api.ok(api.http.POST('/workflows/{name}/unpause', { params: { path, query: wait }, body }))
        return { ...r, data: { ...r.data, runStatus: undefined } }
      }),
    async bulk(action, filter, options) {
      const { data } = await api.ok(
        api.http.POST('/runs/bulk', {
          params: { query: wait },
          body: {
            action,
            dryRun: options.dryRun,
            limit: options.limit,
            ...(options.reason !== undefined ? { reason: options.reason } : {}),
            filter: {
              ...(filter.workflow !== undefined ? { workflow: filter.workflow } : {}),
              ...(filter.status !== undefined ? { status: [...filter.status] as never } : {}),
              ...(filter.partition !== undefined ? { partition: filter.partition } : {}),
              ...(filter.owner !== undefined ? { owner: filter.owner } : {}),
              ...(filter.since !== undefined ? { since: filter.since.toISOString() } : {}),
              ...(filter.until !== undefined ? { until: filter.until.toISOString() } : {}),
            },
          },
        }),
      )
      return { items: data.results, remaining: data.remaining }
    },
    close: () => api.close(),
  }
}

function directOperator(): Operator {
  const client = new CliClient()
  const by = cliActor()
  return {
    async cancel(runId, reason) {
      const db = await client.db({ readOnly: true })
      const run = await loadRun(db, runId)
      if (TERMINAL_RUN_STATUSES.includes(run.status)) return { kind: 'already', status: run.status }
      const request: RunCancelRequested = { id: newId(), runId, reason }
      await publishJson(await client.js(), client.subjects.runCancelRequested, request.id, request)
      const done = await watchRun(db, runId, () => {}, { timeoutMs: ACTION_WAIT_MS }).catch(() => undefined)
      return done ? { kind: 'done', status: done.status } : { kind: 'requested' }
    },
    async run(a) {
      const db = await client.db({ readOnly: true })
      const run = await loadRun(db, a.runId)
      if (a.taskId !== undefined) requireTask(run, a.taskId)
      const body: RunActionRequested = {
        id: newId(),
        runId: a.runId,
        action: a.action,
        scope: a.scope ?? 'task',
        by,
        ...(a.taskId !== undefined ? { taskId: a.taskId } : {}),
        ...(a.status !== undefined ? { status: a.status } : {}),
        ...(a.reason !== undefined ? { reason: a.reason } : {}),
        ...(a.toLatest ? { toLatest: true } : {}),
      }
      return sendRunEvent(client, db, client.subjects.runActionRequested, a.runId, body)
    },
    async pause(workflow, paused, reason) {
      const db = await client.db({ readOnly: true })
      if (!(await workflowStates(db, [workflow])).has(workflow)) throw new NotFoundError('workflow', workflow)
      const body: WorkflowPauseRequested = { id: newId(), workflow, paused, by, ...(reason !== undefined ? { reason } : {}) }
      await publishJson(await client.js(), client.subjects.workflowPauseRequested, body.id, body)
      // A pause is recorded on the workflow, not in a run's history: its state is the answer.
      const deadline = Date.now() + ACTION_WAIT_MS
      for (;;) {
        const row = await db.selectFrom('workflows').select('paused').where('name', '=', workflow).executeTakeFirst()
        if (row?.paused === paused) return { outcome: 'applied' }
        if (Date.now() >= deadline) return { outcome: 'pending', eventId: body.id }
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    async bulk(action, filter, options) {
      const db = await client.db({ readOnly: true })
      if (filter.workflow !== undefined && !(await workflowStates(db, [filter.workflow])).has(filter.workflow)) throw new NotFoundError('workflow', filter.workflow)
      return bulkDirect(client, db, action, filter, { ...options, by, newId })
    },
    close: () => client.close(),
  }
}

async function loadRun(db: Parameters<typeof getRunDetails>[0], runId: string): Promise<RunDetails> {
  const run = await getRunDetails(db, runId)
  if (!run) throw new NotFoundError('run', runId)
  return run
}

function requireTask(run: RunDetails, taskId: string): void {
  refuseInstanceAction(taskId)
  if (!run.tasks.some((t) => t.id === taskId)) throw new BatonError('NOT_FOUND', `run ${run.id} (workflow ${run.workflow}) has no task '${taskId}'`, { runId: run.id, taskId })
}

async function withOperator(work: (op: Operator) => Promise<void>): Promise<void> {
  const op = operate()
  try {
    await work(op)
  } finally {
    await op.close()
  }
}

/** The options of the bulk forms (`retry --workflow W --status failed --since T`, `cancel --workflow W`). */
export interface BulkOptions {
  /** `retry RUN_ID --to-latest` (not with a filter). */
  toLatest?: boolean
  workflow?: string
  status?: string[]
  partition?: string
  owner?: string
  since?: Date
  until?: Date
  limit: number
  dryRun?: boolean
  reason?: string
}

/** True when a bulk flag was given. */
function isBulk(o: BulkOptions): boolean {
  return o.workflow !== undefined || o.status !== undefined || o.partition !== undefined || o.owner !== undefined || o.since !== undefined || o.until !== undefined || o.dryRun === true
}

/** Runs a bulk action, or says why the arguments do not make one. */
async function bulkCommand(action: 'retry' | 'cancel', runId: string | undefined, o: BulkOptions): Promise<void> {
  if (runId !== undefined) throw new ValidationError([{ path: 'RUN_ID', reason: `give a run id, or a filter (--workflow, --status, --partition, --owner, --since, --until), not both` }])
  if (o.workflow === undefined && o.owner === undefined && o.status === undefined && o.partition === undefined) {
    throw new ValidationError([{ path: '--workflow', reason: `a bulk ${action} needs --workflow, --owner, --status or --partition (one run: baton ${action} RUN_ID)` }])
  }
  if (o.since && o.until && o.since >= o.until) throw new ValidationError([{ path: '--since/--until', reason: `--since (${o.since.toISOString()}) must be before --until (${o.until.toISOString()})` }])
  const filter: BulkFilter = {
    ...(o.workflow !== undefined ? { workflow: o.workflow } : {}),
    ...(o.status !== undefined ? { status: o.status } : {}),
    ...(o.partition !== undefined ? { partition: o.partition } : {}),
    ...(o.owner !== undefined ? { owner: o.owner } : {}),
    ...(o.since !== undefined ? { since: o.since } : {}),
    ...(o.until !== undefined ? { until: o.until } : {}),
  }
  await withOperator(async (op) => {
    const dryRun = o.dryRun === true
    const { items, remaining } = await op.bulk(action, filter, { dryRun, limit: o.limit, ...(o.reason !== undefined ? { reason: o.reason } : {}) })
    printBulk(action, dryRun, items, remaining)
  })
}

/** `baton retry RUN_ID`, or the bulk form `baton retry --workflow W --status failed --since T [--dry-run]`. */
export async function retry(runId: string | undefined, opts: BulkOptions): Promise<void> {
  if (opts.toLatest && (isBulk(opts) || runId === undefined)) throw new ValidationError([{ path: '--to-latest', reason: 'moves one run to the current version: give a run id, not a filter' }])
  if (isBulk(opts) || runId === undefined) return bulkCommand('retry', runId, opts)
  const what = `retry run ${runId}${opts.toLatest ? ' on the current version' : ''}`
  await withOperator(async (op) => printOutcome(what, await op.run({ action: 'retry', runId, ...(opts.reason !== undefined ? { reason: opts.reason } : {}), ...(opts.toLatest ? { toLatest: true } : {}) })))
}

/** `baton clear RUN_ID TASK [--downstream|--upstream]`. */
export async function clear(runId: string, taskId: string, opts: { downstream?: boolean; upstream?: boolean; reason?: string }): Promise<void> {
  if (opts.downstream && opts.upstream) throw new ValidationError([{ path: '--downstream/--upstream', reason: 'clear a task with its downstream or with its upstream, not both' }])
  const scope = opts.downstream ? 'downstream' : opts.upstream ? 'upstream' : 'task'
  const what = `clear ${taskId}${scope === 'task' ? '' : ` (with its ${scope})`} in run ${runId}`
  await withOperator(async (op) => printOutcome(what, await op.run({ action: 'clear', runId, taskId, scope, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) })))
}

/** `baton mark RUN_ID TASK succeeded|failed --reason R`. */
export async function mark(runId: string, taskId: string, status: 'succeeded' | 'failed', opts: { reason: string }): Promise<void> {
  await withOperator(async (op) => printOutcome(`mark ${taskId} ${status} in run ${runId}`, await op.run({ action: 'mark', runId, taskId, status, reason: opts.reason })))
}

/** `baton approve RUN_ID TASK`. */
export async function approve(runId: string, taskId: string, opts: { reason?: string }): Promise<void> {
  await withOperator(async (op) => printOutcome(`approve ${taskId} in run ${runId}`, await op.run({ action: 'approve', runId, taskId, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) })))
}

/** `baton reject RUN_ID TASK`. */
export async function reject(runId: string, taskId: string, opts: { reason?: string }): Promise<void> {
  await withOperator(async (op) => printOutcome(`reject ${taskId} in run ${runId}`, await op.run({ action: 'reject', runId, taskId, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) })))
}

/** `baton pause WORKFLOW`. */
export async function pause(workflow: string, opts: { reason?: string }): Promise<void> {
  await withOperator(async (op) => printOutcome(`pause ${workflow}`, await op.pause(workflow, true, opts.reason)))
}

/** `baton unpause WORKFLOW`. */
export async function unpause(workflow: string): Promise<void> {
  await withOperator(async (op) => printOutcome(`unpause ${workflow}`, await op.pause(workflow, false)))
}

/** `baton cancel RUN_ID`, or the bulk form `baton cancel --workflow W … [--dry-run]`. */
export async function cancel(runId: string | undefined, opts: BulkOptions & { reason: string }): Promise<void> {
  if (isBulk(opts) || runId === undefined) return bulkCommand('cancel', runId, opts)
  await withOperator(async (op) => {
    const r = await op.cancel(runId, opts.reason)
    if (r.kind === 'already') process.stdout.write(`run ${runId} is already ${r.status}\n`)
    else if (r.kind === 'done') process.stdout.write(`run ${runId} ${r.status}\n`)
    else process.stdout.write(`cancellation of ${runId} requested; no coordinator has applied it yet\n`)
  })
}
