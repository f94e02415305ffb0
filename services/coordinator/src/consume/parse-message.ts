import {
  BackfillCancelRequestedSchema,
  BackfillRequestedSchema,
  MAX_MESSAGE_BYTES,
  type BackfillCancelRequested,
  type BackfillRequested,
  RunActionRequestedSchema,
  RunCancelRequestedSchema,
  RunRequestedSchema,
  WorkflowPauseRequestedSchema,
  type RunActionRequested,
  type WorkflowPauseRequested,
  SourceLandedSchema,
  TaskEventSchema,
  decodeJson,
  pgSafeJson,
  type SourceLanded,
  type Subjects,
  type RunRequested,
} from '@baton/shared'
import type { z } from 'zod'
import type { MachineEvent, OperatorEvent } from '../lifecycle/types.js'

/** What an event message means to the coordinator, or why it is rejected. */
export type ParsedMessage =
  | { readonly kind: 'run-event'; readonly runId: string; readonly eventId: string; readonly event: MachineEvent }
  | { readonly kind: 'run-request'; readonly request: RunRequested }
  | { readonly kind: 'source-landed'; readonly landing: SourceLanded }
  | { readonly kind: 'backfill-requested'; readonly request: BackfillRequested }
  | { readonly kind: 'backfill-cancel-requested'; readonly request: BackfillCancelRequested }
  | { readonly kind: 'pause-requested'; readonly request: WorkflowPauseRequested }
  | { readonly kind: 'invalid'; readonly reason: string }

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')
}

/**
 * Validates a message once, at the consumer edge. Never throws: anything malformed becomes
 * `invalid` with a reason naming the field, and is dead-lettered by the caller.
 *
 * This is also where the message's text is made storable, once: every string and key of what it
 * returns (outputs, errors, details, params, landing uri and meta, ids, reasons) has its NULs and
 * lone surrogates escaped as `\uXXXX` (`pgSafeJson`), so nothing a worker or publisher sends can
 * fail the batch that writes it. The escape runs after validation, so the schema's length limits
 * apply to the text as sent.
 */
export function parseEventMessage(subject: string, data: Uint8Array, s: Subjects): ParsedMessage {
  const parsed = parseUnescaped(subject, data, s)
  try {
    return pgSafeJson(parsed)
  } catch (e: unknown) {
    // Nested deeper than the stack allows: JSON.stringify would fail the same way when writing it.
    if (!(e instanceof RangeError)) throw e
    return { kind: 'invalid', reason: 'message nested too deeply to store' }
  }
}

function parseUnescaped(subject: string, data: Uint8Array, s: Subjects): ParsedMessage {
  if (data.length > MAX_MESSAGE_BYTES) return { kind: 'invalid', reason: `message of ${data.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit` }
  let body: unknown
  try {
    body = decodeJson(data)
  } catch (e) {
    return { kind: 'invalid', reason: `malformed JSON: ${(e as Error).message}` }
  }
  const taskPrefix = s.task('')
  if (subject.startsWith(taskPrefix)) {
    const r = TaskEventSchema.safeParse(body)
    if (!r.success) return { kind: 'invalid', reason: `invalid task event: ${issues(r.error)}` }
    const e = r.data
    if (subject !== s.task(e.runId)) return { kind: 'invalid', reason: `runId ${e.runId} does not match subject ${subject}` }
    const base = { taskId: e.taskId, attempt: e.attempt, workerId: e.workerId, eventId: e.id, ...(e.startedAt ? { startedAt: new Date(e.startedAt) } : {}) }
    let event: MachineEvent
    switch (e.type) {
      case 'started':
        event = { type: 'task.started', ...base }
        break
      case 'heartbeat':
        event = { type: 'task.heartbeat', taskId: e.taskId, attempt: e.attempt, workerId: e.workerId, eventId: e.id }
        break
      case 'succeeded':
        event = { type: 'task.succeeded', ...base, output: e.output ?? null, ...(e.details ? { details: e.details } : {}) }
        break
      case 'failed':
        if (!e.error) return { kind: 'invalid', reason: 'invalid task event: error: required when type is failed' }
        event = { type: 'task.failed', ...base, error: e.error, ...(e.details ? { details: e.details } : {}) }
        break
    }
    return { kind: 'run-event', runId: e.runId, eventId: e.id, event }
  }
  if (subject === s.runRequested) {
    const r = RunRequestedSchema.safeParse(body)
    return r.success ? { kind: 'run-request', request: r.data } : { kind: 'invalid', reason: `invalid run request: ${issues(r.error)}` }
  }
  if (subject === s.runCancelRequested) {
    const r = RunCancelRequestedSchema.safeParse(body)
    if (!r.success) return { kind: 'invalid', reason: `invalid cancel request: ${issues(r.error)}` }
    return { kind: 'run-event', runId: r.data.runId, eventId: r.data.id, event: { type: 'run.cancel_requested', reason: r.data.reason ?? 'cancelled by request', eventId: r.data.id } }
  }
  if (subject === s.runActionRequested) {
    const r = RunActionRequestedSchema.safeParse(body)
    if (!r.success) return { kind: 'invalid', reason: `invalid run action: ${issues(r.error)}` }
    return { kind: 'run-event', runId: r.data.runId, eventId: r.data.id, event: operatorEvent(r.data) }
  }
  if (subject === s.workflowPauseRequested) {
    const r = WorkflowPauseRequestedSchema.safeParse(body)
    return r.success ? { kind: 'pause-requested', request: r.data } : { kind: 'invalid', reason: `invalid pause request: ${issues(r.error)}` }
  }
  if (subject.startsWith(s.source(''))) {
    const r = SourceLandedSchema.safeParse(body)
    if (!r.success) return { kind: 'invalid', reason: `invalid source-landed event: ${issues(r.error)}` }
    if (subject !== s.source(r.data.source)) return { kind: 'invalid', reason: `source '${r.data.source}' does not match subject ${subject}` }
    return { kind: 'source-landed', landing: r.data }
  }
  if (subject === s.backfillRequested) {
    const r = BackfillRequestedSchema.safeParse(body)
    return r.success ? { kind: 'backfill-requested', request: r.data } : { kind: 'invalid', reason: `invalid backfill request: ${issues(r.error)}` }
  }
  if (subject === s.backfillCancelRequested) {
    const r = BackfillCancelRequestedSchema.safeParse(body)
    return r.success ? { kind: 'backfill-cancel-requested', request: r.data } : { kind: 'invalid', reason: `invalid backfill cancellation: ${issues(r.error)}` }
  }
  return { kind: 'invalid', reason: `unknown subject ${subject}` }
}

/** The machine event of an operator's action (the schema has checked the fields each needs). */
function operatorEvent(m: RunActionRequested): OperatorEvent {
  const reason = m.reason ?? ''
  switch (m.action) {
    case 'retry':
      return { type: 'run.retry_requested', by: m.by, reason, ...(m.toLatest ? { toLatest: true } : {}) }
    case 'clear':
      return { type: 'task.clear_requested', taskId: m.taskId!, scope: m.scope, by: m.by, reason }
    case 'mark':
      return { type: 'task.mark_requested', taskId: m.taskId!, status: m.status!, by: m.by, reason }
    case 'approve':
    case 'reject':
      return { type: 'approval.decided', taskId: m.taskId!, decision: m.action === 'approve' ? 'approved' : 'rejected', by: m.by, reason: m.reason ?? null }
  }
}
