import { z } from 'zod'
import { BatonError, getRunDetails, loadVersion, NotFoundError, refuseInstanceAction, type RunActionRequested, type RunDetails } from '@baton/shared'
import { actionEventId, sendRunEvent, waitForRunEvent, type ActionOutcome } from '../actions/event-outcome.js'
import { checkApproval, checkCancel, checkRetry, checkTaskAction } from '../actions/run-checks.js'
import { ConflictError, ErrorResponseSchema } from '../errors.js'
import { bearer, errorResponses, TaskOrInstanceId, Uuid } from '../schemas/common.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

/**
 * Operator actions on one run (docs/operations.md, "Operator actions"): cancel, retry from
 * failure, clear, mark, approve, reject. Each is checked against the run as committed (409 with
 * the reason when it makes no sense), then sent as ONE event to the coordinators, and answered
 * with what the coordinator did: 200 applied, 409 ignored (with its reason), or 202 when no
 * coordinator applied it within `wait` seconds (it stays queued in NATS and applies later).
 */

/** How long an action waits for a coordinator by default, in seconds (`?wait=` overrides, 0–30). */
export const ACTION_WAIT_SECONDS = 10

/** `?wait=`: seconds to wait for a coordinator to apply the action. */
export const WaitQuery = z.strictObject({
  wait: z.coerce.number({ error: 'must be a number of seconds from 0 to 30' }).min(0).max(30).default(ACTION_WAIT_SECONDS).describe('Seconds to wait for a coordinator to apply the action (0: answer 202 at once)'),
})
/** `Idempotency-Key`: the same key (same caller, action and resource) is the same action. */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
})
const Reason = z.string().min(1).max(2000)

/** What an action answers: its event id, whether it was applied (or is pending), and the run's status now. */
export const ActionResultSchema = z
  .object({
    eventId: z.string().describe('The event the action was sent as (its `Nats-Msg-Id`); the run history records it under this id'),
    outcome: z.enum(['applied', 'pending']).describe('applied: a coordinator applied it; pending: not yet (no coordinator applied it within `wait`)'),
    runId: z.string(),
    runStatus: z.string().describe('The run status after the action (or as it was, while pending)'),
  })
  .meta({ id: 'ActionResult' })

const actionResponses = { 200: ActionResultSchema, 202: ActionResultSchema, ...errorResponses, 409: ErrorResponseSchema } as const

async function loadRun(deps: RouteDeps, id: string): Promise<RunDetails> {
  const run = await getRunDetails(deps.db, id)
  if (!run) throw new NotFoundError('run', id)
  return run
}

function requireTask(run: RunDetails, taskId: string): void {
  refuseInstanceAction(taskId)
  if (!run.tasks.some((t) => t.id === taskId)) throw new BatonError('NOT_FOUND', `run ${run.id} (workflow ${run.workflow}) has no task '${taskId}'`, { runId: run.id, taskId })
}

/**
 * Sends the event and turns the coordinator's answer into the HTTP answer. `check` (the 409s of
 * actions/run-checks.ts) runs only for a new action: a repeat of one the coordinator already
 * recorded (the same Idempotency-Key) gets the same answer, not a 409 about the state the first
 * one left behind, and sends nothing.
 */
async function answer(deps: RouteDeps, reply: { code(n: number): unknown }, subject: string, runId: string, body: { id: string } & Record<string, unknown>, waitSeconds: number, check: () => void, repeatable: boolean) {
  const recorded = repeatable ? await waitForRunEvent(deps.db, runId, body.id, 0) : undefined
  if (recorded === undefined || recorded.outcome === 'pending') check()
  const outcome: ActionOutcome = recorded && recorded.outcome !== 'pending' ? recorded : await sendRunEvent(deps, subject, runId, body, waitSeconds * 1000)
  if (outcome.outcome === 'ignored') throw new ConflictError(`the coordinator did not apply it: ${outcome.reason}`, { details: { eventId: outcome.eventId } })
  const run = await getRunDetails(deps.db, runId)
  reply.code(outcome.outcome === 'applied' ? 200 : 202)
  return { eventId: outcome.eventId, outcome: outcome.outcome, runId, runStatus: run?.status ?? 'unknown' }
}

/** Registers the run action routes. */
export function runActionRoutes(app: ZodApp, deps: RouteDeps): void {
  const { subjects } = deps
  const idOf = (request: { access: { principal: { id: string } } | null; headers: Record<string, unknown> }, action: string, resource: string) =>
    actionEventId(request.access!.principal.id, action, resource, request.headers['idempotency-key'] as string | undefined)
  /** Whether the request names its action (an Idempotency-Key): then it may repeat one already recorded. */
  const keyed = (request: { headers: Record<string, unknown> }) => request.headers['idempotency-key'] !== undefined

  app.post('/runs/:id/cancel', {
    config: { permission: 'cancel', scope: 'run', audit: 'run.cancel' },
    schema: {
      tags: ['actions'],
      summary: 'Cancel a run: queued and running tasks are cancelled, running attempts told to stop',
      security: bearer,
      params: z.strictObject({ id: Uuid }),
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({ reason: Reason.optional() }).default({}),
      response: actionResponses,
    },
    handler: async (request, reply) => {
      const run = await loadRun(deps, request.params.id)
      const id = idOf(request, 'cancel', run.id)
      const reason = request.body.reason ?? `cancelled by ${request.access!.principal.id}`
      return answer(deps, reply, subjects.runCancelRequested, run.id, { id, runId: run.id, reason }, request.query.wait, () => checkCancel(run), keyed(request))
    },
  })

  app.post('/runs/:id/retry', {
    config: { permission: 'retry', scope: 'run', audit: 'run.retry' },
    schema: {
      tags: ['actions'],
      summary: 'Retry a failed or cancelled run from failure: failed, upstream_failed and cancelled tasks (and what they feed) run again as new attempts; succeeded and skipped tasks keep their outputs',
      security: bearer,
      params: z.strictObject({ id: Uuid }),
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z
        .strictObject({
          reason: Reason.optional(),
          toLatest: z.boolean().optional().describe("Move the run to its workflow's current version first; ignored (409, naming every incompatible task) when a task was added, removed or rewired"),
        })
        .default({}),
      response: actionResponses,
    },
    handler: async (request, reply) => {
      const run = await loadRun(deps, request.params.id)
      const body: RunActionRequested = {
        id: idOf(request, 'retry', run.id),
        runId: run.id,
        action: 'retry',
        scope: 'task',
        by: request.access!.principal.id,
        ...(request.body.reason ? { reason: request.body.reason } : {}),
        ...(request.body.toLatest ? { toLatest: true } : {}),
      }
      return answer(deps, reply, subjects.runActionRequested, run.id, body, request.query.wait, () => checkRetry(run), keyed(request))
    },
  })

  app.post('/runs/:id/tasks/:taskId/clear', {
    config: { permission: 'clear', scope: 'run', audit: 'task.clear' },
    schema: {
      tags: ['actions'],
      summary: 'Clear a task so it runs again (with its downstream, or its upstream); a running attempt is stopped; a finished run is reopened',
      security: bearer,
      params: z.strictObject({ id: Uuid, taskId: TaskOrInstanceId }),
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({ scope: z.enum(['task', 'downstream', 'upstream']).default('task'), reason: Reason.optional() }).default({ scope: 'task' }),
      response: actionResponses,
    },
    handler: async (request, reply) => {
      const { id: runId, taskId } = request.params
      const run = await loadRun(deps, runId)
      requireTask(run, taskId)
      const { scope, reason } = request.body
      const body: RunActionRequested = { id: idOf(request, `clear:${scope}`, `${runId}/${taskId}`), runId, action: 'clear', taskId, scope, by: request.access!.principal.id, ...(reason ? { reason } : {}) }
      return answer(deps, reply, subjects.runActionRequested, runId, body, request.query.wait, () => checkTaskAction(run, taskId, 'clear'), keyed(request))
    },
  })

  app.post('/runs/:id/tasks/:taskId/mark', {
    config: { permission: 'mark', scope: 'run', audit: 'task.mark' },
    schema: {
      tags: ['actions'],
      summary: 'Mark a task succeeded or failed by hand, with a reason; its downstream then proceeds or fails closed',
      security: bearer,
      params: z.strictObject({ id: Uuid, taskId: TaskOrInstanceId }),
      querystring: WaitQuery,
      headers: IdempotencyHeaders,
      body: z.strictObject({ status: z.enum(['succeeded', 'failed']), reason: Reason }),
      response: actionResponses,
    },
    handler: async (request, reply) => {
      const { id: runId, taskId } = request.params
      const run = await loadRun(deps, runId)
      requireTask(run, taskId)
      const { status, reason } = request.body
      const body: RunActionRequested = { id: idOf(request, `mark:${status}`, `${runId}/${taskId}`), runId, action: 'mark', taskId, status, scope: 'task', by: request.access!.principal.id, reason }
      return answer(deps, reply, subjects.runActionRequested, runId, body, request.query.wait, () => checkTaskAction(run, taskId, 'mark', status), keyed(request))
    },
  })

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/runs/:id/tasks/:taskId/${decision}`, {
      config: { permission: 'approve', scope: 'run', audit: `task.${decision}` },
      schema: {
        tags: ['actions'],
        summary: decision === 'approve' ? 'Approve a waiting approval task: it succeeds and its downstream proceeds' : 'Reject a waiting approval task: it fails (not retried) and its downstream fails closed',
        security: bearer,
        params: z.strictObject({ id: Uuid, taskId: TaskOrInstanceId }),
        querystring: WaitQuery,
        headers: IdempotencyHeaders,
        body: z.strictObject({ reason: Reason.optional() }).default({}),
        response: actionResponses,
      },
      handler: async (request, reply) => {
        const { id: runId, taskId } = request.params
        const run = await loadRun(deps, runId)
        requireTask(run, taskId)
        const wf = await loadVersion(deps.db, run.versionHash)
        if (!wf) throw new ConflictError(`the version ${run.versionHash} of run ${runId} is missing`)
        const principal = request.access!.principal
        const body: RunActionRequested = { id: idOf(request, decision, `${runId}/${taskId}`), runId, action: decision, taskId, scope: 'task', by: principal.id, ...(request.body.reason ? { reason: request.body.reason } : {}) }
        // The grant that let the request through: an admin's on this workflow may always decide.
        return answer(deps, reply, subjects.runActionRequested, runId, body, request.query.wait, () => checkApproval(run, wf, taskId, principal, request.access!.role === 'admin'), keyed(request))
      },
    })
  }
}
