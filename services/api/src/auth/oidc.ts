import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose'
import { UnavailableError, ValidationError, type ValidationIssue } from '@baton/shared'
import { AuthenticationError } from './errors.js'
import { parseGrant, validateGrant } from './permissions.js'
import type { Grant, Principal } from './types.js'

/**
 * Single sign-on: JWTs from the organisation's OIDC identity provider, verified against its JWKS
 * with `jose` (signature, issuer, audience, expiry and not-before), one claim's values mapped to
 * grants through a configured role map (docs/access-control.md, "OIDC").
 */

/** How OIDC tokens are verified and turned into grants. */
export interface OidcConfig {
  /** The `iss` every token must carry. */
  issuer: string
  /** An `aud` every token must carry (the API's client id at the identity provider). */
  audience: string
  /** Where the provider publishes its signing keys. */
  jwksUrl: string
  /** Dotted path to the claim holding groups or roles (default `groups`), e.g. `realm_access.roles`. */
  rolesClaim: string
  /** Claim value → grants. Values that map nothing are ignored. */
  roleMap: Record<string, Grant | Grant[]>
  /** Claim naming the user in the audit log (default `email`; `sub` when absent). */
  nameClaim: string
  /**
   * The web UI's sign-in (authorization code with PKCE, a public client): its client id at the
   * identity provider, the scopes it asks for, and which token it sends to the API. Absent: the UI
   * offers only pasting a token.
   */
  ui?: { clientId: string; scopes: string; token: 'id_token' | 'access_token' }
}

/** Signing algorithms accepted: asymmetric only (never `none`, never an HMAC secret). */
export const OIDC_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])
/** Clock skew tolerated between the identity provider and the API for `exp` and `nbf`. */
const CLOCK_TOLERANCE_S = 30

const ENV = {
  issuer: 'BATON_OIDC_ISSUER',
  audience: 'BATON_OIDC_AUDIENCE',
  jwksUrl: 'BATON_OIDC_JWKS_URL',
  rolesClaim: 'BATON_OIDC_ROLES_CLAIM',
  nameClaim: 'BATON_OIDC_NAME_CLAIM',
  roleMap: 'BATON_OIDC_ROLE_MAP',
  uiClientId: 'BATON_OIDC_UI_CLIENT_ID',
  uiScopes: 'BATON_OIDC_UI_SCOPES',
  uiToken: 'BATON_OIDC_UI_TOKEN',
} as const

function httpUrl(value: string): boolean {
  try {
    const u = new URL(value)
    return u.protocol === 'https:' || u.protocol === 'http:'
  } catch {
    return false
  }
}

/** Grants of one role-map entry: a grant text (`operator:workflows=finance_*`), a grant object, or a list of them. */
function roleMapEntry(value: unknown, path: string, issues: ValidationIssue[]): Grant[] {
  const items = Array.isArray(value) ? value : [value]
  const grants: Grant[] = []
  items.forEach((item, i) => {
    const at = Array.isArray(value) ? `${path}[${i}]` : path
    try {
      if (typeof item === 'string') grants.push(parseGrant(item))
      else grants.push(validateGrant(item, at))
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      issues.push(...e.issues.map((x) => (typeof item === 'string' ? { path: at, reason: `${x.path}: ${x.reason}` } : x)))
    }
  })
  return grants
}

/** Parses BATON_OIDC_ROLE_MAP: a JSON object from claim value to grants. */
function parseRoleMap(text: string, issues: ValidationIssue[]): Record<string, Grant[]> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    issues.push({ path: ENV.roleMap, reason: `not valid JSON (${(e as Error).message}): expected e.g. {"baton-admins": "admin", "finance-ops": ["operator:workflows=finance_*"]}` })
    return {}
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    issues.push({ path: ENV.roleMap, reason: 'must be a JSON object from claim value to grants, e.g. {"baton-admins": "admin"}' })
    return {}
  }
  const map: Record<string, Grant[]> = {}
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    // Defined, not assigned: a claim value `__proto__` is a key like any other (lookups use Object.hasOwn).
    Object.defineProperty(map, key, { value: Object.freeze(roleMapEntry(value, `${ENV.roleMap}.${key}`, issues)), enumerable: true })
  }
  return map
}

/**
 * The OIDC configuration from the environment, or undefined when BATON_OIDC_ISSUER is not set
 * (OIDC off: only API tokens). A malformed or missing variable is a ValidationError naming it.
 * BATON_OIDC_JWKS_URL defaults to `<issuer>/.well-known/jwks.json` (discovery is not fetched:
 * start-up needs no network).
 */
export function oidcConfigFromEnv(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const issuer = get(ENV.issuer)
  if (issuer === undefined) {
    const stray = Object.values(ENV).filter((name) => get(name) !== undefined)
    if (stray.length > 0) throw new ValidationError([{ path: ENV.issuer, reason: `required when ${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set (the identity provider's issuer URL)` }])
    return undefined
  }
  const issues: ValidationIssue[] = []
  if (!httpUrl(issuer)) issues.push({ path: ENV.issuer, reason: `'${issuer}' is not an http(s) URL` })
  const audience = get(ENV.audience)
  if (audience === undefined) issues.push({ path: ENV.audience, reason: "required with BATON_OIDC_ISSUER (the API's client id at the identity provider)" })
  const jwksUrl = get(ENV.jwksUrl) ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`
  if (!httpUrl(jwksUrl)) issues.push({ path: ENV.jwksUrl, reason: `'${jwksUrl}' is not an http(s) URL` })
  const claimPath = /^[^\s]+$/
  const rolesClaim = get(ENV.rolesClaim) ?? 'groups'
  if (!claimPath.test(rolesClaim)) issues.push({ path: ENV.rolesClaim, reason: `'${rolesClaim}' is not a claim name or dotted path` })
  const nameClaim = get(ENV.nameClaim) ?? 'email'
  if (!claimPath.test(nameClaim)) issues.push({ path: ENV.nameClaim, reason: `'${nameClaim}' is not a claim name` })
  const roleMapText = get(ENV.roleMap)
  const roleMap = roleMapText === undefined ? {} : parseRoleMap(roleMapText, issues)
  if (roleMapText === undefined) {
    issues.push({ path: ENV.roleMap, reason: `required with BATON_OIDC_ISSUER: a JSON object from ${rolesClaim} claim values to grants, e.g. {"baton-admins": "admin", "finance-ops": "operator:workflows=finance_*"}` })
  }
  const ui = uiSignIn(get, issues)
  if (issues.length > 0) throw new ValidationError(issues)
  return Object.freeze({ issuer, audience: audience!, jwksUrl, rolesClaim, roleMap: Object.freeze(roleMap), nameClaim, ...(ui ? { ui } : {}) })
}

/** The web UI's sign-in settings (BATON_OIDC_UI_*), or undefined without a UI client id. */
function uiSignIn(get: (name: string) => string | undefined, issues: ValidationIssue[]): OidcConfig['ui'] {
  const clientId = get(ENV.uiClientId)
  const scopes = get(ENV.uiScopes) ?? 'openid email profile'
  const token = get(ENV.uiToken) ?? 'id_token'
  if (clientId === undefined) return undefined
  if (!/^[\x21-\x7e]+$/.test(clientId)) issues.push({ path: ENV.uiClientId, reason: 'must be a client id without spaces' })
  if (!scopes.split(/\s+/).includes('openid')) issues.push({ path: ENV.uiScopes, reason: `'${scopes}' must include openid (space separated)` })
  if (token !== 'id_token' && token !== 'access_token') issues.push({ path: ENV.uiToken, reason: `'${token}' is not id_token or access_token (which token the UI sends to the API)` })
  return Object.freeze({ clientId, scopes, token: token as 'id_token' | 'access_token' })
}

/** The value at a claim name, or at a dotted path when no claim has that whole name (`https://x.io/groups` is one claim). */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path]
  let cur: unknown = payload
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

/** A roles claim as a list of strings: an array's strings, or a space-separated string. */
function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean)
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return []
}

/** The grants the role map gives these claim values, each once. */
function grantsFor(values: readonly string[], roleMap: OidcConfig['roleMap']): Grant[] {
  const out = new Map<string, Grant>()
  for (const v of values) {
    if (!Object.hasOwn(roleMap, v)) continue
    const mapped = roleMap[v]!
    for (const g of Array.isArray(mapped) ? mapped : [mapped]) out.set(`${g.role}\0${g.workflows ?? ''}\0${g.owner ?? ''}`, g)
  }
  return [...out.values()]
}

/** Why jose refused a token, in words that never quote the token (nor its header). */
function refusal(e: unknown, config: OidcConfig): Error {
  const err = e as { code?: unknown; claim?: unknown; reason?: unknown; message?: unknown; name?: unknown }
  const code = typeof err?.code === 'string' ? err.code : ''
  const cause = { cause: e }
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthenticationError('OIDC token expired', cause)
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (err.reason === 'missing') return new AuthenticationError(`OIDC token has no '${String(err.claim)}' claim`, cause)
      if (err.claim === 'aud') return new AuthenticationError(`OIDC token has the wrong audience (expected '${config.audience}')`, cause)
      if (err.claim === 'iss') return new AuthenticationError(`OIDC token has the wrong issuer (expected '${config.issuer}')`, cause)
      if (err.claim === 'nbf') return new AuthenticationError('OIDC token is not valid yet (nbf)', cause)
      return new AuthenticationError(`OIDC token has an invalid '${String(err.claim)}' claim`, cause)
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthenticationError('OIDC token has a bad signature', cause)
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new AuthenticationError("OIDC token is not signed by a key of the identity provider's JWKS", cause)
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthenticationError(`OIDC token's signing algorithm is not accepted (accepted: ${OIDC_ALGORITHMS.join(', ')})`, cause)
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new AuthenticationError('OIDC token uses an unsupported algorithm or key type', cause)
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWK_INVALID':
      return new AuthenticationError('malformed OIDC token', cause)
    case 'ERR_JWKS_TIMEOUT':
      return new UnavailableError(`cannot reach the identity provider's JWKS at ${config.jwksUrl}: no answer in time`, cause)
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      return new UnavailableError(`cannot use the identity provider's JWKS at ${config.jwksUrl}: ${String(err.message)}`, cause)
  }
  // fetch's own failures (refused, DNS, reset) while loading the JWKS.
  if (err?.name === 'TypeError' || err?.name === 'AbortError') return new UnavailableError(`cannot reach the identity provider's JWKS at ${config.jwksUrl}: ${String(err.message)}`, cause)
  return new AuthenticationError('OIDC token refused', cause)
}

/** Verifies OIDC tokens into principals. */
export interface OidcVerifier {
  /**
   * The principal of a valid token: id `oidc:<sub>`, name from the name claim, groups = the
   * roles claim's values, grants from the role map (possibly none: then every action is 403).
   * Throws an AuthenticationError saying why a token is refused, or an UnavailableError when the
   * provider's keys cannot be fetched.
   */
  verify(jwt: string): Promise<Principal>
}

/** A verifier with the provider's keys fetched on first use, cached, and re-fetched for an unknown key id (at most every 30 s). */
export function createOidcVerifier(config: OidcConfig): OidcVerifier {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 })
  return {
    async verify(jwt: string): Promise<Principal> {
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(jwt, jwks, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...OIDC_ALGORITHMS],
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'exp'],
        }))
      } catch (e) {
        throw refusal(e, config)
      }
      const sub = payload.sub!
      const groups = claimValues(claimAt(payload, config.rolesClaim))
      const nameValue = claimAt(payload, config.nameClaim)
      const name = typeof nameValue === 'string' && nameValue !== '' ? nameValue : sub
      return Object.freeze({ id: `oidc:${sub}`, kind: 'oidc' as const, name, grants: Object.freeze(grantsFor(groups, config.roleMap)), groups: Object.freeze(groups) })
    },
  }
}
