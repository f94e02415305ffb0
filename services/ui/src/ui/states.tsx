import type { ReactNode } from 'react'
import { toApiError } from '../api/client'

/** Loading: says what is loading, so a slow API is not mistaken for an empty one. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  )
}

/** A failed read: the API's message, what to do about it, and a retry button. */
export function ErrorState({ error, what, retry }: { error: unknown; what: string; retry?: () => void }) {
  const e = toApiError(error)
  const advice =
    e.status === 403
      ? 'Your role does not allow this. Ask an admin for a grant on this workflow.'
      : e.status === 404
        ? 'It may have been archived, or the link is wrong.'
        : e.status === 0 || e.status >= 500
          ? 'The API or one of its services is unavailable. It retries on its own; try again in a moment.'
          : null
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load {what}.</strong> {e.message}
      {advice ? <p>{advice}</p> : null}
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  )
}

/** Nothing to show: says why, and what would make something appear. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>
}
