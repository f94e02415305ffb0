/**
 * The browser session: the credential the UI sends to the API lives in sessionStorage only (gone
 * when the tab closes, never in localStorage or a cookie, never in a URL). Signing out, or a 401,
 * forgets it and notifies the app.
 */

const TOKEN_KEY = 'baton.token'
const NOTICE_KEY = 'baton.signin.notice'

type Listener = () => void
const listeners = new Set<Listener>()

/** The session's bearer credential (an API token or an OIDC token), if signed in. */
export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY)
}

/** Starts the session with `token` (the caller has checked it with GET /me). */
export function signIn(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token)
  sessionStorage.removeItem(NOTICE_KEY)
  for (const l of listeners) l()
}

/** Ends the session; `notice` is shown on the sign-in page (why it ended). */
export function signOut(notice?: string): void {
  sessionStorage.removeItem(TOKEN_KEY)
  if (notice) sessionStorage.setItem(NOTICE_KEY, notice)
  for (const l of listeners) l()
}

/** Why the last session ended, once. */
export function takeSignInNotice(): string | null {
  const n = sessionStorage.getItem(NOTICE_KEY)
  sessionStorage.removeItem(NOTICE_KEY)
  return n
}

/** Calls `listener` whenever the session starts or ends; returns the unsubscribe function. */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
