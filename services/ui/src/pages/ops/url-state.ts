import { useCallback } from 'react'
import { useSearchParams } from 'react-router'

/** Sets (or, with '' / undefined, removes) query-string keys; other keys are kept. */
export type SetUrlParams = (changes: Record<string, string | undefined>, options?: { push?: boolean }) => void

/**
 * A page's filters live in its query string, so a link opens exactly that view. Typing in a
 * filter replaces the history entry (the back button does not step through every keystroke);
 * selecting something (a row, a backfill) may push one with `{ push: true }`.
 */
export function useUrlParams(): [URLSearchParams, SetUrlParams] {
  const [params, setParams] = useSearchParams()
  const set = useCallback<SetUrlParams>(
    (changes, options) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev)
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined || value === '') next.delete(key)
            else next.set(key, value)
          }
          return next
        },
        { replace: !options?.push },
      )
    },
    [setParams],
  )
  return [params, set]
}
