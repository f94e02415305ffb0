import { TERMINAL_RUN_STATUSES, type CompiledWorkflow, type RunDetails } from '@baton/shared'
import { PermissionDeniedError } from '../auth/errors.js'
import type { Principal } from '../auth/types.js'
import { ConflictError } from '../errors.js'

/**
 * What the API checks before it sends an action, against the run as committed, so that an action
 * that makes no sense is a 409 with the reason at once (docs/operations.md, "Operator actions").
 * The coordinator decides again when it applies the event (the run may have moved since): what
 * it ignores comes back as a 409 too, with its own reason.
 */

/** A retry from failure needs a finished run that did not succeed. */
export function checkRetry(run: RunDetails): void {
  if (run.status !== 'failed' && run.status !== 'cancelled') {
    throw new ConflictError(`run ${run.id} is ${run.status}: only a failed or cancelled run is retried from failure`, { details: { status: run.status } })
  }
}

/** A cancel needs an unfinished run. */
export function checkCancel(run: RunDetails): void {
  if (TERMINAL_RUN_STATUSES.includes(run.status)) throw new ConflictError(`run ${run.id} is ${run.status}: only a queued or running run is cancelled`, { details: { status: run.status } })
}

/** Clear and mark need a started run; mark needs a different status. */
export function checkTaskAction(run: RunDetails, taskId: string, action: 'clear' | 'mark', status?: 'succeeded' | 'failed'): void {
  const task = run.tasks.find((t) => t.id === taskId)!
  if (run.status === 'queued') throw new ConflictError(`run ${run.id} is queued: it has not started, nothing to ${action}`, { details: { status: run.status } })
  if (action === 'mark' && task.status === status) throw new ConflictError(`task ${taskId} is already ${status}`, { details: { status: task.status } })
}

/**
 * Approve and reject need an approval task that is waiting, and a caller among its `approvers`
 * when it names some: an OIDC group of the caller, or the owner of one of its grants. Admins may
 * always decide (the audit log shows who did).
 */
export function checkApproval(run: RunDetails, wf: CompiledWorkflow, taskId: string, principal: Principal, isAdmin: boolean): void {
  const def = wf.tasks.get(taskId)!
  if (def.kind !== 'approval') throw new ConflictError(`task ${taskId} is a ${def.kind} task, not an approval task`, { details: { kind: def.kind } })
  const task = run.tasks.find((t) => t.id === taskId)!
  if (task.status !== 'running') throw new ConflictError(`task ${taskId} is ${task.status}: it is not waiting for approval`, { details: { status: task.status } })
  const approvers = def.approvers
  if (!approvers || isAdmin) return
  const mine = new Set([...principal.groups, ...principal.grants.flatMap((g) => (g.owner ? [g.owner] : []))])
  if (!approvers.some((a) => mine.has(a))) {
    throw new PermissionDeniedError('approve', `task ${taskId} may be decided only by ${approvers.join(', ')} (or an admin); ${principal.id} is in none of them`)
  }
}
