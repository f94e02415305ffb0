import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { api, unwrap, type Schemas } from '../api/client'
import { Loading, ErrorState } from '../ui/states'
import { currentToken, onSessionChange } from './session'
import { SignInPage } from './sign-in-page'

/** Who is signed in (GET /me). */
export type Me = { id: string; kind: 'token' | 'oidc'; name: string; grants: { role: string; workflows?: string; owner?: string }[]; groups: string[]; allowed: Permission[] }
/** A permission name (docs/access-control.md). */
export type Permission = Schemas['RunDetails']['allowed'][number]

const MeContext = createContext<Me | null>(null)

/** The signed-in principal. Only inside <RequireSignIn>. */
export function useMe(): Me {
  const me = useContext(MeContext)
  if (!me) throw new Error('useMe outside <RequireSignIn>')
  return me
}

/**
 * Whether the caller may use `permission`: on a resource, from the `allowed` list the API sent
 * with it; elsewhere from the caller's unscoped grants. Buttons render only when it is true (the
 * API checks every action again).
 */
export function useCan(allowed?: readonly string[]): (permission: Permission) => boolean {
  const me = useMe()
  return (permission) => (allowed ?? me.allowed).includes(permission)
}

/** Renders `children` for a signed-in caller; the sign-in page otherwise. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(currentToken())
  const queryClient = useQueryClient()
  useEffect(
    () =>
      onSessionChange(() => {
        queryClient.clear()
        setToken(currentToken())
      }),
    [queryClient],
  )
  const me = useQuery({ queryKey: ['me', token], enabled: token !== null, queryFn: async () => unwrap(await api.GET('/me')) as Me, retry: 1 })
  if (token === null) return <SignInPage />
  if (me.isPending) return <Loading what="your session" />
  if (me.isError) return <ErrorState error={me.error} what="your session" retry={() => void me.refetch()} />
  return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>
}
