import { useEffect, useRef } from 'react'
import { useLiveEvents, type LiveFilter, type LiveState } from '../../live/live-events'

/**
 * Refetches a list when the event stream reports a change, at most once per `gapMs`: a burst of
 * transitions (a backfill starting 50 runs) costs one request, not fifty, and the last change of
 * a burst is always picked up (the refetch runs after the gap, not before it).
 */
export function useLiveRefetch(filter: LiveFilter, refetch: () => unknown, gapMs = 2000): LiveState {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const latest = useRef(refetch)
  latest.current = refetch
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current)
    },
    [],
  )
  const schedule = () => {
    if (timer.current) return
    timer.current = setTimeout(() => {
      timer.current = null
      void latest.current()
    }, gapMs)
  }
  return useLiveEvents(filter, { onTransition: schedule, onAlert: schedule })
}
