import { useEffect, useRef, useState } from 'react'
import { EventSource } from 'eventsource'
import { currentToken } from '../auth/session'

/** A run or task change as GET /events sends it (`event: run|task`). */
export interface TransitionEvent {
  historyId: string
  runId: string
  workflow: string | null
  taskId: string | null
  attempt: number | null
  from: string | null
  to: string
  reason: string | null
  at: string
}

/** An alert change (`event: alert`). */
export interface AlertEvent {
  alertId: string
  kind: string
  status: string
  workflow: string | null
  partition: string | null
  runId: string | null
  count: number
  summary: string | null
  at: string
}

/** What a page listens to. */
export interface LiveFilter {
  run?: string
  workflow?: string
  types?: readonly ('run' | 'task' | 'alert')[]
}

/** The handlers of a live stream; each is optional. */
export interface LiveHandlers {
  onTransition?: (event: TransitionEvent, kind: 'run' | 'task') => void
  onAlert?: (event: AlertEvent) => void
}

/** Whether the stream is connected: shown on pages so a stale view is never taken for live. */
export type LiveState = 'connecting' | 'live' | 'reconnecting'

function streamUrl(filter: LiveFilter): string {
  const url = new URL('/events', window.location.origin)
  if (filter.run) url.searchParams.set('run', filter.run)
  if (filter.workflow) url.searchParams.set('workflow', filter.workflow)
  for (const t of filter.types ?? []) url.searchParams.append('type', t)
  return url.href
}

/**
 * Live updates from GET /events (Server-Sent Events) while the component is mounted. The
 * `eventsource` package sends the session's token as a header (the browser's EventSource cannot)
 * and reconnects with Last-Event-ID, so nothing is lost or repeated across a reconnect or an API
 * restart. Handlers are read through a ref: a re-render does not reconnect.
 */
export function useLiveEvents(filter: LiveFilter, handlers: LiveHandlers): LiveState {
  const ref = useRef(handlers)
  ref.current = handlers
  const [state, setState] = useState<LiveState>('connecting')
  const url = streamUrl(filter)
  useEffect(() => {
    const source = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${currentToken() ?? ''}` } }),
    })
    const transition = (kind: 'run' | 'task') => (e: MessageEvent) => {
      try {
        ref.current.onTransition?.(JSON.parse(e.data as string) as TransitionEvent, kind)
      } catch {
        // A malformed event is skipped; the next refetch shows the truth.
      }
    }
    source.addEventListener('run', transition('run'))
    source.addEventListener('task', transition('task'))
    source.addEventListener('alert', (e: MessageEvent) => {
      try {
        ref.current.onAlert?.(JSON.parse(e.data as string) as AlertEvent)
      } catch {
        // As above.
      }
    })
    source.addEventListener('open', () => setState('live'))
    source.addEventListener('error', () => setState('reconnecting'))
    return () => source.close()
  }, [url])
  return state
}

/** A small "● live" / "reconnecting…" indicator for a page header. */
export function LiveIndicator({ state }: { state: LiveState }) {
  const words = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…'
  return (
    <span className={`live live-${state}`} role="status" title="Updates arrive from the API's event stream without reloading">
      <span aria-hidden="true">●</span> {words}
    </span>
  )
}
