import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type JWTPayload } from 'jose'
import { authorize, AuthenticationError, createAuthenticator, createOidcVerifier, oidcConfigFromEnv, parseGrant, type OidcConfig, type OidcVerifier } from '@baton/api'
import { UnavailableError, ValidationError } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'

// OIDC sign-in against a locally generated key set: an RS256 key pair made here, its public half
// served as a JWKS by a local HTTP server, tokens signed here. What the identity provider would
// issue is accepted and mapped to grants; everything else is refused with the reason.

const ISSUER = 'https://idp.example.test/realms/acme'
const AUDIENCE = 'baton-api'
const KID = 'test-key-1'

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey']

let server: Server
let jwksUrl: string
let jwksRequests = 0
let key: PrivateKey
let otherKey: PrivateKey
let config: OidcConfig
let verifier: OidcVerifier
let ns: TestNamespace

before(async () => {
  ns = await createTestNamespace('oidc')
  const pair = await generateKeyPair('RS256')
  key = pair.privateKey
  otherKey = (await generateKeyPair('RS256')).privateKey
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
  server = createServer((req, res) => {
    jwksRequests++
    if (req.url !== '/jwks.json') return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  config = oidcConfigFromEnv({
    BATON_OIDC_ISSUER: ISSUER,
    BATON_OIDC_AUDIENCE: AUDIENCE,
    BATON_OIDC_JWKS_URL: jwksUrl,
    BATON_OIDC_ROLE_MAP: JSON.stringify({
      'baton-admins': 'admin',
      'finance-ops': ['operator:workflows=finance_*', { role: 'approver', owner: 'finance' }],
      'everyone': { role: 'viewer' },
    }),
  })!
  verifier = createOidcVerifier(config)
})
after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await ns.close()
  await assertNoLeaks()
})

/** A token as the identity provider would sign it, with `claims` and `options` changed. */
async function sign(claims: JWTPayload = {}, options: { key?: PrivateKey; kid?: string; alg?: string; issuer?: string; audience?: string; expiresAt?: number; notBefore?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ email: 'alice@example.com', groups: ['finance-ops', 'unmapped-group'], ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? KID })
    .setSubject('alice-sub')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(options.notBefore ?? now)
    .setExpirationTime(options.expiresAt ?? now + 300)
    .sign(options.key ?? key)
}

/** Asserts that `jwt` is refused with an AuthenticationError whose message matches `reason` and quotes nothing of the token. */
async function refused(jwt: string, reason: RegExp, v: OidcVerifier = verifier): Promise<void> {
  await assert.rejects(v.verify(jwt), (e: unknown) => {
    assert.ok(e instanceof AuthenticationError, `expected an AuthenticationError, got ${String(e)}`)
    assert.equal(e.code, 'UNAUTHENTICATED')
    assert.match(e.message, reason)
    for (const part of jwt.split('.')) if (part.length > 8) assert.ok(!e.message.includes(part), 'the token is not echoed')
    return true
  })
}

test('a valid token becomes a principal: oidc:<sub>, its email, its groups, and the grants its groups map to', async () => {
  const p = await verifier.verify(await sign())
  assert.deepEqual(p, {
    id: 'oidc:alice-sub',
    kind: 'oidc',
    name: 'alice@example.com',
    grants: [{ role: 'operator', workflows: 'finance_*' }, { role: 'approver', owner: 'finance' }],
    groups: ['finance-ops', 'unmapped-group'],
  })
  assert.deepEqual(authorize(p, 'retry', { workflow: 'finance_daily', owner: 'finance' }), { ok: true, role: 'operator' })
  assert.deepEqual(authorize(p, 'approve', { workflow: 'ledger', owner: 'finance' }), { ok: true, role: 'approver' })
  assert.equal(authorize(p, 'retry', { workflow: 'marketing_daily', owner: 'marketing' }).ok, false)
  const admin = await verifier.verify(await sign({ groups: ['baton-admins', 'everyone', 'baton-admins'] }))
  assert.deepEqual(admin.grants, [{ role: 'admin' }, { role: 'viewer' }], 'each grant once')
})

test('a token whose claim maps to nothing is valid but has no grants: every action is refused', async () => {
  for (const groups of [['unmapped-group'], [], undefined, 'constructor', ['__proto__', 'toString']]) {
    const p = await verifier.verify(await sign({ groups }))
    assert.deepEqual(p.grants, [], JSON.stringify(groups))
    assert.deepEqual(authorize(p, 'read', {}), { ok: false, missing: 'read', reason: "user 'alice@example.com' lacks permission 'read' (no grants)" })
  }
})

test('the roles claim may be a dotted path or a space-separated string; the name falls back to sub', async () => {
  const nested = createOidcVerifier({ ...config, rolesClaim: 'realm_access.roles', nameClaim: 'preferred_username' })
  const p = await nested.verify(await sign({ realm_access: { roles: ['baton-admins'] }, groups: undefined }))
  assert.deepEqual(p.grants, [{ role: 'admin' }])
  assert.equal(p.name, 'alice-sub', 'no preferred_username claim: the subject')
  const spaced = createOidcVerifier({ ...config, rolesClaim: 'https://acme.test/roles' })
  assert.deepEqual((await spaced.verify(await sign({ 'https://acme.test/roles': 'everyone baton-admins' }))).groups, ['everyone', 'baton-admins'])
})

test('expired, not yet valid, wrong audience, wrong issuer, missing subject: refused with the reason', async () => {
  const now = Math.floor(Date.now() / 1000)
  await refused(await sign({}, { expiresAt: now - 3600, notBefore: now - 7200 }), /^OIDC token expired$/)
  await refused(await sign({}, { notBefore: now + 3600, expiresAt: now + 7200 }), /^OIDC token is not valid yet \(nbf\)$/)
  await refused(await sign({}, { audience: 'another-app' }), /^OIDC token has the wrong audience \(expected 'baton-api'\)$/)
  await refused(await sign({}, { issuer: 'https://evil.example.test' }), /^OIDC token has the wrong issuer \(expected 'https:\/\/idp\.example\.test\/realms\/acme'\)$/)
  const noSub = await new SignJWT({ groups: ['everyone'] }).setProtectedHeader({ alg: 'RS256', kid: KID }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(key)
  await refused(noSub, /^OIDC token has no 'sub' claim$/)
})

test('signed by another key, unsigned (alg none), HMAC with the public key, or tampered: refused', async () => {
  await refused(await sign({}, { key: otherKey }), /^OIDC token has a bad signature$/)
  await refused(await sign({}, { key: otherKey, kid: 'unknown-key' }), /^OIDC token is not signed by a key of the identity provider's JWKS$/)
  const none = new UnsecuredJWT({ email: 'mallory@example.com', groups: ['baton-admins'] }).setSubject('mallory').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode()
  await refused(none, /^OIDC token's signing algorithm is not accepted/)
  const jwk = await exportJWK((await generateKeyPair('RS256')).publicKey)
  const hmac = await new SignJWT({ groups: ['baton-admins'] }).setProtectedHeader({ alg: 'HS256', kid: KID }).setSubject('mallory').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode(JSON.stringify(jwk)))
  await refused(hmac, /^OIDC token's signing algorithm is not accepted/)
  const [h, , s] = (await sign()).split('.')
  const forged = Buffer.from(JSON.stringify({ sub: 'alice-sub', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, groups: ['baton-admins'] })).toString('base64url')
  await refused(`${h}.${forged}.${s}`, /^OIDC token has a bad signature$/)
  await refused('not-a-jwt', /^malformed OIDC token$/)
})

test("the provider's keys are fetched once and cached", async () => {
  const before = jwksRequests
  const v = createOidcVerifier(config)
  for (let i = 0; i < 5; i++) await v.verify(await sign())
  assert.equal(jwksRequests - before, 1)
})

test('keys that cannot be fetched are an UnavailableError (503), not a refusal of the caller', async () => {
  const down = createOidcVerifier({ ...config, jwksUrl: `http://127.0.0.1:${await freePort()}/jwks.json` })
  await assert.rejects(down.verify(await sign()), (e: unknown) => e instanceof UnavailableError && /cannot reach the identity provider's JWKS at http:\/\/127\.0\.0\.1:\d+\/jwks\.json/.test(e.message))
  const missing = createOidcVerifier({ ...config, jwksUrl: jwksUrl.replace('jwks.json', 'nothing-here') })
  await assert.rejects(missing.verify(await sign()), UnavailableError)
})

test('the authenticator sends a non-Baton bearer value to OIDC when configured', async () => {
  const auth = createAuthenticator({ db: ns.db, oidc: config })
  assert.equal((await auth.authenticate(`Bearer ${await sign()}`))?.id, 'oidc:alice-sub')
  await assert.rejects(auth.authenticate(`Bearer ${await sign({}, { audience: 'x' })}`), /wrong audience/)
  await assert.rejects(auth.authenticate('Bearer baton_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), /invalid API token/)
})

/** The ValidationError issues of `oidcConfigFromEnv(env)`, as `path: reason` lines. */
function envIssues(env: Record<string, string>): string[] {
  try {
    oidcConfigFromEnv(env)
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e))
    return e.issues.map((i) => `${i.path}: ${i.reason}`)
  }
  assert.fail('expected a ValidationError')
}

test('oidcConfigFromEnv: off without an issuer, defaults filled in, each bad variable named', () => {
  assert.equal(oidcConfigFromEnv({}), undefined)
  const c = oidcConfigFromEnv({ BATON_OIDC_ISSUER: 'https://idp.test/', BATON_OIDC_AUDIENCE: 'baton', BATON_OIDC_ROLE_MAP: '{"ops":"operator"}' })
  assert.deepEqual(c, { issuer: 'https://idp.test/', audience: 'baton', jwksUrl: 'https://idp.test/.well-known/jwks.json', rolesClaim: 'groups', roleMap: { ops: [parseGrant('operator')] }, nameClaim: 'email' })
  assert.ok(Object.isFrozen(c))
  assert.match(envIssues({ BATON_OIDC_AUDIENCE: 'baton' })[0]!, /^BATON_OIDC_ISSUER: required when BATON_OIDC_AUDIENCE is set/)
  const base = { BATON_OIDC_ISSUER: 'https://idp.test', BATON_OIDC_AUDIENCE: 'baton' }
  assert.match(envIssues({ ...base, BATON_OIDC_ISSUER: 'idp.test', BATON_OIDC_ROLE_MAP: '{}' })[0]!, /^BATON_OIDC_ISSUER: 'idp.test' is not an http\(s\) URL/)
  assert.match(envIssues({ BATON_OIDC_ISSUER: 'https://idp.test', BATON_OIDC_ROLE_MAP: '{}' })[0]!, /^BATON_OIDC_AUDIENCE: required/)
  assert.match(envIssues(base)[0]!, /^BATON_OIDC_ROLE_MAP: required with BATON_OIDC_ISSUER/)
  assert.match(envIssues({ ...base, BATON_OIDC_ROLE_MAP: '{"ops":' })[0]!, /^BATON_OIDC_ROLE_MAP: not valid JSON/)
  assert.match(envIssues({ ...base, BATON_OIDC_ROLE_MAP: '["admin"]' })[0]!, /^BATON_OIDC_ROLE_MAP: must be a JSON object/)
  assert.deepEqual(envIssues({ ...base, BATON_OIDC_ROLE_MAP: '{"ops":"root","team":[{"role":"viewer","owner":""}],"x":"viewer:colour=red"}' }), [
    'BATON_OIDC_ROLE_MAP.ops: role: unknown role "root": use one of viewer, operator, approver, admin (in \'root\')',
    'BATON_OIDC_ROLE_MAP.team[0].owner: must be a non-empty owner name',
    "BATON_OIDC_ROLE_MAP.x: colour: unknown scope in grant 'viewer:colour=red': use ROLE, ROLE:workflows=GLOB or ROLE:owner=OWNER",
  ])
  assert.match(envIssues({ ...base, BATON_OIDC_ROLE_MAP: '{}', BATON_OIDC_JWKS_URL: 'file:///etc/keys' })[0]!, /^BATON_OIDC_JWKS_URL: 'file:\/\/\/etc\/keys' is not an http\(s\) URL/)
})
