import { findApiToken, ValidationError, type Db } from '@baton/shared'
import { AuthenticationError } from './errors.js'
import { createOidcVerifier, type OidcConfig } from './oidc.js'
import { validateGrant } from './permissions.js'
import type { Grant, Principal } from './types.js'

/**
 * Turns a request's `Authorization` header into a Principal: `Bearer baton_…` is an API token
 * (looked up by its public id, its hash compared in constant time), any other bearer value an
 * OIDC JWT when OIDC is configured. The credential is never logged, echoed or put in an error.
 */
export interface Authenticator {
  /**
   * The caller, or null when the request carries no credential (the route decides: 401 where one
   * is needed). Throws an AuthenticationError for a bad, unknown, expired or revoked credential,
   * and an UnavailableError when the identity provider's keys cannot be fetched.
   */
  authenticate(authorization: string | undefined): Promise<Principal | null>
}

/** What `createAuthenticator` needs: the database (API tokens) and, optionally, OIDC. */
export interface AuthenticatorDeps {
  db: Db
  oidc?: OidcConfig
}

/** `Bearer <credential>`: one scheme (any case), one credential without spaces. */
const BEARER = /^bearer +([^\s]+) *$/i
const TOKEN_PREFIX = 'baton_'

/** A stored grant as a Grant; one that no longer validates (a role since removed) is dropped: fail closed. */
function storedGrants(grants: readonly unknown[]): Grant[] {
  return grants.flatMap((g) => {
    try {
      return [validateGrant(g)]
    } catch (e) {
      if (e instanceof ValidationError) return []
      throw e
    }
  })
}

/** An Authenticator over the namespace's API tokens and, when configured, an OIDC provider. */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const oidc = deps.oidc ? createOidcVerifier(deps.oidc) : undefined
  return {
    async authenticate(authorization) {
      if (authorization === undefined || authorization.trim() === '') return null
      const credential = BEARER.exec(authorization)?.[1]
      if (credential === undefined) throw new AuthenticationError("unsupported Authorization header: use 'Bearer <token>'")
      if (credential.startsWith(TOKEN_PREFIX)) {
        const token = await findApiToken(deps.db, credential)
        // One answer for every miss: whether an id exists, was revoked or expired is not told to the caller.
        if (!token) throw new AuthenticationError('invalid API token (unknown, revoked or expired)')
        return Object.freeze({ id: `token:${token.name}`, kind: 'token' as const, name: token.name, grants: Object.freeze(storedGrants(token.grants)), groups: Object.freeze([]) })
      }
      if (!oidc) throw new AuthenticationError('not a Baton API token (baton_…), and OIDC is not configured')
      return oidc.verify(credential)
    },
  }
}
