import { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
import { api, unwrap } from '../api/client'
import { finishOidcSignIn } from './oidc-sign-in'
import { signIn } from './session'

/** Where the identity provider sends the browser back: finishes the sign-in, then goes on. */
export function OidcCallbackPage() {
  const navigate = useNavigate()
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let stop = false
    void (async () => {
      try {
        const config = unwrap(await api.GET('/ui/config'))
        if (!config.oidc) throw new Error('single sign-on is not configured on this API')
        const { token, returnTo } = await finishOidcSignIn(config.oidc, new URL(window.location.href))
        if (stop) return
        signIn(token)
        navigate(returnTo.startsWith('/ui') ? returnTo : '/ui/workflows', { replace: true })
      } catch (e) {
        if (!stop) setError((e as Error).message)
      }
    })()
    return () => {
      stop = true
    }
  }, [navigate])
  return error ? (
    <main className="sign-in">
      <p className="state state-error" role="alert">
        Single sign-on failed: {error}
      </p>
      <a href="/ui/workflows">Back to sign-in</a>
    </main>
  ) : (
    <main className="sign-in" role="status">
      Signing you in…
    </main>
  )
}
