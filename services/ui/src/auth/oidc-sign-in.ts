import * as oauth from 'oauth4webapi'

/** The identity provider's settings from GET /ui/config. */
export interface OidcSignInConfig {
  issuer: string
  clientId: string
  scopes: string
  token: 'id_token' | 'access_token'
}

/** Where the identity provider sends the browser back (register it with the provider). */
export const CALLBACK_PATH = '/ui/login/callback'
const PENDING_KEY = 'baton.oidc.pending'

interface PendingSignIn {
  verifier: string
  state: string
  nonce: string
  returnTo: string
}

/** A plain-http issuer is accepted only on loopback (a local test provider), never elsewhere. */
function requestOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  return issuer.protocol === 'http:' && loopback ? { [oauth.allowInsecureRequests]: true } : {}
}

async function discover(issuer: URL): Promise<oauth.AuthorizationServer> {
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) })
  return oauth.processDiscoveryResponse(issuer, response)
}

/**
 * Single sign-on, step 1: the authorization code flow with PKCE for a public client (oauth4webapi).
 * The verifier, state and nonce wait in sessionStorage for the provider to send the browser back.
 */
export async function startOidcSignIn(config: OidcSignInConfig, returnTo: string): Promise<void> {
  const issuer = new URL(config.issuer)
  const as = await discover(issuer)
  if (!as.authorization_endpoint) throw new Error(`the identity provider ${config.issuer} publishes no authorization endpoint`)
  const pending: PendingSignIn = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), returnTo }
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending))
  const url = new URL(as.authorization_endpoint)
  url.searchParams.set('client_id', config.clientId)
  url.searchParams.set('redirect_uri', `${window.location.origin}${CALLBACK_PATH}`)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', config.scopes)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  url.searchParams.set('state', pending.state)
  url.searchParams.set('nonce', pending.nonce)
  window.location.assign(url.href)
}

/**
 * Step 2, on the callback page: checks the state, exchanges the code (with the verifier) for
 * tokens, checks the ID token's nonce, and returns the token the API accepts and where to go.
 */
export async function finishOidcSignIn(config: OidcSignInConfig, callback: URL): Promise<{ token: string; returnTo: string }> {
  const raw = sessionStorage.getItem(PENDING_KEY)
  sessionStorage.removeItem(PENDING_KEY)
  if (!raw) throw new Error('This sign-in was not started from this tab (or it already finished). Start again.')
  const pending = JSON.parse(raw) as PendingSignIn
  const issuer = new URL(config.issuer)
  const as = await discover(issuer)
  const client: oauth.Client = { client_id: config.clientId }
  const params = oauth.validateAuthResponse(as, client, callback, pending.state)
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, `${window.location.origin}${CALLBACK_PATH}`, pending.verifier, requestOptions(issuer))
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true })
  const token = config.token === 'id_token' ? result.id_token : result.access_token
  if (!token) throw new Error(`the identity provider returned no ${config.token}`)
  return { token, returnTo: pending.returnTo }
}
