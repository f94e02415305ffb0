import { authorize } from '../auth/permissions.js'
import type { Principal } from '../auth/types.js'
import { formatPosition, type StreamPosition } from './event-cursor.js'
import type { LiveAlertRow, LiveHistoryRow } from './live-queries.js'

/** The kinds of event the stream carries (SSE `event:` names, and `?type=` values). */
export const LiveEventType = { run: 'run', task: 'task', alert: 'alert' } as const
/** An event kind. */
export type LiveEventType = (typeof LiveEventType)[keyof typeof LiveEventType]

/** A run's or a task's status change (one history row). */
export interface TransitionEvent {
  readonly type: 'run' | 'task'
  readonly data: {
    readonly historyId: string
    readonly runId: string
    readonly workflow: string | null
    readonly taskId: string | null
    readonly attempt: number | null
    readonly from: string | null
    readonly to: string
    readonly reason: string | null
    readonly at: string
  }
  /** The workflow's current owner (for scoped grants; not sent). */
  readonly owner: string | null
}

/** An alert fired, repeated, resolved or expired (one version of an alert row). */
export interface AlertEvent {
  readonly type: 'alert'
  readonly data: {
    readonly alertId: string
    readonly kind: string
    readonly status: string
    readonly workflow: string | null
    readonly partition: string | null
    readonly runId: string | null
    readonly count: number
    readonly summary: string | null
    readonly at: string
  }
  readonly owner: string | null
}

/** One event of the stream. */
export type LiveEvent = TransitionEvent | AlertEvent

/** The event of a history row, or null for a row that changed nothing (an ignored, stale event). */
export function transitionEvent(r: LiveHistoryRow): TransitionEvent | null {
  if (r.to === null || r.kind === 'ignored') return null
  return {
    type: r.taskId === null ? 'run' : 'task',
    data: { historyId: String(r.id), runId: r.runId, workflow: r.workflow, taskId: r.taskId, attempt: r.attempt, from: r.from, to: r.to, reason: r.reason, at: r.at.toISOString() },
    owner: r.owner,
  }
}

/** The event of an alert version; `at` is when it resolved, else when it last fired. */
export function alertEvent(a: LiveAlertRow): AlertEvent {
  return {
    type: 'alert',
    data: {
      alertId: String(a.id),
      kind: a.kind,
      status: a.status,
      workflow: a.workflow,
      partition: a.partition,
      runId: a.runId,
      count: a.count,
      summary: a.summary,
      at: (a.resolvedAt ?? a.lastAt).toISOString(),
    },
    owner: a.owner,
  }
}

/** The SSE frame of an event at a position (its `id:`). JSON has no raw newline, so `data:` is one line. */
export function sseFrame(e: LiveEvent, position: StreamPosition): string {
  return `event: ${e.type}\nid: ${formatPosition(position)}\ndata: ${JSON.stringify(e.data)}\n\n`
}

/** What one client asked for and may see. */
export interface EventFilter {
  readonly runId: string | null
  readonly workflow: string | null
  readonly types: ReadonlySet<LiveEventType>
  /** Checked per event against the workflow's current owner; null: sees every workflow. */
  readonly principal: Principal | null
}

const AUTH_CACHE_LIMIT = 1000

/**
 * The matcher of a filter. The read permission of a scoped grant is decided per event, from the
 * event's workflow and its current owner (the same decision as `request.readable()`), so a
 * workflow deployed after the client connected is covered too. An event outside every workflow
 * (an unattended queue's alert) needs an unscoped grant, as dead letters do.
 */
export function eventMatcher(filter: EventFilter): (e: LiveEvent) => boolean {
  const decided = new Map<string, boolean>()
  const principal = filter.principal
  const mayRead = (workflow: string | null, owner: string | null): boolean => {
    if (principal === null) return true
    const key = `${workflow ?? ''}\u0000${owner ?? ''}`
    let ok = decided.get(key)
    if (ok === undefined) {
      ok = authorize(principal, 'read', workflow === null ? {} : { workflow, owner }).ok
      if (decided.size >= AUTH_CACHE_LIMIT) decided.clear()
      decided.set(key, ok)
    }
    return ok
  }
  return (e) => {
    if (!filter.types.has(e.type)) return false
    if (filter.runId !== null && e.data.runId !== filter.runId) return false
    if (filter.workflow !== null && e.data.workflow !== filter.workflow) return false
    return mayRead(e.data.workflow, e.owner)
  }
}
