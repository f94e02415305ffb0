import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'

/**
 * A tiny OpenID Connect provider on loopback for the web UI's sign-in test: discovery, JWKS, an
 * authorization endpoint that signs the configured user in at once (no login form), and a token
 * endpoint that checks the code, redirect URI, client and PKCE verifier before it issues an ID
 * token signed with its own ES256 key. Real HTTP and real JWTs: the API verifies them as it would
 * a production provider's.
 */
export interface TestIdp {
  readonly issuer: string
  /** Token requests refused, with why (a test asserts there were none). */
  readonly refusals: string[]
  close(): Promise<void>
}

interface PendingCode {
  clientId: string
  redirectUri: string
  challenge: string
  nonce: string
}

/** Starts the provider; `user` is who signs in (its claims go into the ID token). */
export async function startTestIdp(user: { sub: string; email: string; groups: string[] }, clientId: string): Promise<TestIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' }
  const codes = new Map<string, PendingCode>()
  const refusals: string[] = []
  let issuer = ''
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    // The UI calls discovery and the token endpoint from the browser: cross-origin.
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-allow-headers', '*')
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.method === 'OPTIONS') return void res.writeHead(204).end()
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
      })
    }
    if (url.pathname === '/.well-known/jwks.json') return json(200, { keys: [jwk] })
    if (url.pathname === '/authorize') {
      const p = url.searchParams
      if (p.get('client_id') !== clientId || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge') || p.get('response_type') !== 'code') {
        refusals.push(`authorize: bad request ${url.search}`)
        return json(400, { error: 'invalid_request' })
      }
      const code = randomBytes(16).toString('hex')
      codes.set(code, { clientId, redirectUri: p.get('redirect_uri')!, challenge: p.get('code_challenge')!, nonce: p.get('nonce') ?? '' })
      const back = new URL(p.get('redirect_uri')!)
      back.searchParams.set('code', code)
      back.searchParams.set('state', p.get('state') ?? '')
      back.searchParams.set('iss', issuer)
      return void res.writeHead(302, { location: back.href }).end()
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        void (async () => {
          const p = new URLSearchParams(body)
          const pending = codes.get(p.get('code') ?? '')
          codes.delete(p.get('code') ?? '')
          const verifier = p.get('code_verifier') ?? ''
          const challenge = createHash('sha256').update(verifier).digest('base64url')
          const why = !pending ? 'unknown or used code' : pending.redirectUri !== p.get('redirect_uri') ? 'redirect_uri differs' : pending.clientId !== p.get('client_id') ? 'client differs' : pending.challenge !== challenge ? 'PKCE verifier does not match' : null
          if (why || !pending) {
            refusals.push(`token: ${why}`)
            return json(400, { error: 'invalid_grant', error_description: why })
          }
          const idToken = await new SignJWT({ email: user.email, groups: user.groups, nonce: pending.nonce })
            .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
            .setIssuer(issuer)
            .setAudience(clientId)
            .setSubject(user.sub)
            .setIssuedAt()
            .setExpirationTime('10m')
            .sign(privateKey)
          json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 600, id_token: idToken })
        })()
      })
      return
    }
    json(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    issuer,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
