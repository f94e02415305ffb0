import { useState, type FormEvent } from 'react'
import { useQuery } from '@tanstack/react-query'
import { api, toApiError, unwrap } from '../api/client'
import { startOidcSignIn } from './oidc-sign-in'
import { signIn, takeSignInNotice } from './session'
import { Logo } from '../ui/logo'

/**
 * Sign-in: paste an API token (`baton token create`), or sign in with the organisation's identity
 * provider when the API is configured for it. The token is checked with GET /me before it is kept.
 */
export function SignInPage() {
  const [notice] = useState(takeSignInNotice)
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const config = useQuery({ queryKey: ['ui-config'], queryFn: async () => unwrap(await api.GET('/ui/config')), retry: 1 })

  async function submit(e: FormEvent) {
    e.preventDefault()
    const value = token.trim()
    if (!value) return setError('Paste a token first (baton token create NAME --role viewer prints one).')
    setBusy(true)
    setError(null)
    try {
      const r = await fetch('/me', { headers: { authorization: `Bearer ${value}` } })
      if (!r.ok) throw toApiError(await r.json().catch(() => undefined), r)
      signIn(value)
    } catch (err) {
      setError(toApiError(err).message)
    } finally {
      setBusy(false)
    }
  }

  const oidc = config.data?.oidc
  return (
    <main className="sign-in">
      <h1>
        <Logo />{' '}
        Baton
      </h1>
      {notice ? (
        <p className="state state-error" role="alert">
          {notice}
        </p>
      ) : null}
      {oidc ? (
        <button type="button" className="primary" onClick={() => void startOidcSignIn(oidc, window.location.pathname + window.location.search).catch((e: Error) => setError(`Single sign-on failed: ${e.message}`))}>
          Sign in with {new URL(oidc.issuer).host}
        </button>
      ) : null}
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in with an API token">
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} placeholder="baton_…" autoFocus />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <p className="muted">The token stays in this browser tab only (session storage) and is sent to this API alone. Create one with <code>baton token create NAME --role viewer</code>.</p>
      </form>
    </main>
  )
}
