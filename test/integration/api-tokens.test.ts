import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { AuthenticationError, createAuthenticator } from '@baton/api'
import {
  appendAudit,
  createApiToken,
  findApiToken,
  getApiToken,
  listApiTokens,
  listAudit,
  revokeApiToken,
  ValidationError,
  type AuditEntry,
} from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'

// API tokens and the audit log against a real Postgres: secrets shown once and stored as hashes,
// revocation and expiry, and an audit table that the database itself keeps append-only.

let ns: TestNamespace
before(async () => {
  ns = await createTestNamespace('api_tokens')
})
after(async () => {
  await ns.close()
  await assertNoLeaks()
})

const SECRET = /^baton_([a-z2-7]{12})_[A-Za-z0-9_-]{43}$/

async function newToken(name: string, overrides: { expiresAt?: Date | null } = {}): Promise<{ id: string; secret: string }> {
  const { token, secret } = await createApiToken(ns.db, { name, grants: [{ role: 'operator', workflows: 'finance_*' }], expiresAt: overrides.expiresAt ?? null, createdBy: 'test' })
  return { id: token.id, secret }
}

/** The ValidationError `work` rejects with, as `path: reason` lines. */
async function issuesOf(work: Promise<unknown>): Promise<string[]> {
  try {
    await work
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e))
    return e.issues.map((i) => `${i.path}: ${i.reason}`)
  }
  assert.fail('expected a ValidationError')
}

test('a created token is found by its secret, which is stored only as its SHA-256', async () => {
  const { token, secret } = await createApiToken(ns.db, { name: 'ci', grants: [{ role: 'operator', workflows: 'finance_*' }], expiresAt: null, createdBy: 'cli:alice' })
  assert.match(secret, SECRET)
  assert.equal(SECRET.exec(secret)![1], token.id, 'the secret carries the public id')
  assert.deepEqual(token.grants, [{ role: 'operator', workflows: 'finance_*' }])
  assert.equal(token.createdBy, 'cli:alice')
  assert.equal(token.revokedAt, null)
  const row = await ns.db.selectFrom('api_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow()
  assert.deepEqual(row.token_hash, createHash('sha256').update(secret).digest())
  assert.ok(!JSON.stringify(row).includes(secret.slice(-43)), 'the random part of the secret is stored nowhere')
  const found = await findApiToken(ns.db, secret)
  assert.equal(found?.id, token.id)
  assert.equal(found?.name, 'ci')
  assert.ok(found?.lastUsedAt instanceof Date, 'the use is recorded')
})

test('a wrong, malformed or unknown secret finds nothing', async () => {
  const { id, secret } = await newToken('wrong_secret')
  const flip = secret.at(-1) === 'A' ? 'B' : 'A'
  assert.equal(await findApiToken(ns.db, `${secret.slice(0, -1)}${flip}`), null, 'right id, wrong secret')
  assert.equal(await findApiToken(ns.db, `baton_${'a'.repeat(12)}_${secret.slice(-43)}`), null, 'unknown id')
  for (const bad of ['', 'baton_', secret.slice(0, -1), `${secret}x`, ` ${secret}`, secret.toUpperCase(), `baton_${id}`, "baton_' OR 1=1 --_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]) {
    assert.equal(await findApiToken(ns.db, bad), null, JSON.stringify(bad))
  }
})

test('names are unique (also after revocation) and checked; grants need known roles', async () => {
  await newToken('taken')
  assert.deepEqual(await issuesOf(newToken('taken')), ["name: a token named 'taken' already exists (names stay taken after revocation)"])
  assert.match((await issuesOf(newToken('has space')))[0]!, /^name: 'has space' is not a token name/)
  const bad = await issuesOf(createApiToken(ns.db, { name: 'bad_grants', grants: [{ role: 'root' }, { role: 'viewer', workflows: 'a b' }], expiresAt: new Date(0), createdBy: 'test' }))
  assert.deepEqual(
    bad.map((l) => l.split(':')[0]),
    ['grants[0].role', 'grants[1].workflows', 'expiresAt'],
  )
  assert.match((await issuesOf(createApiToken(ns.db, { name: 'no_grants', grants: [], expiresAt: null, createdBy: 'test' })))[0]!, /^grants: at least one grant/)
})

test('a revoked token finds nothing; revoking again keeps the first revocation', async () => {
  const { id, secret } = await newToken('to_revoke')
  const first = await revokeApiToken(ns.db, 'to_revoke', 'cli:alice')
  assert.ok(first?.revokedAt instanceof Date)
  assert.equal(first.revokedBy, 'cli:alice')
  assert.equal(await findApiToken(ns.db, secret), null)
  const again = await revokeApiToken(ns.db, id, 'cli:bob')
  assert.deepEqual(again?.revokedAt, first.revokedAt, 'the first time is kept')
  assert.equal(again?.revokedBy, 'cli:alice', 'and its author')
  assert.equal(await revokeApiToken(ns.db, 'no_such_token', 'cli:alice'), null)
  assert.equal((await getApiToken(ns.db, id))?.name, 'to_revoke', 'found by id')
})

test('an expired token finds nothing', async () => {
  const { id, secret } = await newToken('short_lived', { expiresAt: new Date(Date.now() + 60_000) })
  assert.notEqual(await findApiToken(ns.db, secret), null, 'valid before it expires')
  await ns.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute()
  assert.equal(await findApiToken(ns.db, secret), null)
})

test('last_used_at is written at most once a minute per token', async () => {
  const { id, secret } = await newToken('busy')
  const first = (await findApiToken(ns.db, secret))!.lastUsedAt!
  const second = (await findApiToken(ns.db, secret))!.lastUsedAt!
  assert.deepEqual(second, first, 'a second use within the minute writes nothing')
  await ns.db.updateTable('api_tokens').set({ last_used_at: sql<Date>`now() - interval '2 minutes'` }).where('id', '=', id).execute()
  const third = (await findApiToken(ns.db, secret))!.lastUsedAt!
  assert.ok(third.getTime() >= first.getTime(), 'a use a minute later is recorded again')
  const stored = await ns.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()
  assert.deepEqual(stored.last_used_at, third)
})

test('listing tokens never exposes a secret or a hash', async () => {
  const { secret } = await newToken('listed')
  const list = await listApiTokens(ns.db)
  const listed = list.find((t) => t.name === 'listed')
  assert.ok(listed)
  assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'createdBy', 'expiresAt', 'grants', 'id', 'lastUsedAt', 'name', 'revokedAt', 'revokedBy'])
  const text = JSON.stringify(list)
  assert.ok(!text.includes(secret.slice(-43)), 'no secret')
  assert.doesNotMatch(text, /hash/i)
  assert.ok(list.find((t) => t.name === 'to_revoke')?.revokedAt instanceof Date, 'revoked tokens are listed too, as revoked')
})

test('the authenticator: a Bearer token becomes a principal with its grants; anything bad is 401, nothing is null', async () => {
  const { secret } = await newToken('authn')
  const auth = createAuthenticator({ db: ns.db })
  assert.deepEqual(await auth.authenticate(`Bearer ${secret}`), { id: 'token:authn', kind: 'token', name: 'authn', grants: [{ role: 'operator', workflows: 'finance_*' }], groups: [] })
  assert.equal((await auth.authenticate(`bearer   ${secret}`))?.name, 'authn', 'the scheme is case-insensitive')
  assert.equal(await auth.authenticate(undefined), null)
  assert.equal(await auth.authenticate(''), null)
  for (const [header, reason] of [
    [`Bearer ${secret.slice(0, -1)}x`, /^invalid API token \(unknown, revoked or expired\)$/],
    [`Basic ${Buffer.from('a:b').toString('base64')}`, /unsupported Authorization header/],
    ['Bearer', /unsupported Authorization header/],
    ['Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig', /OIDC is not configured/],
  ] as const) {
    await assert.rejects(auth.authenticate(header), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError, String(e))
      assert.equal(e.code, 'UNAUTHENTICATED')
      assert.match(e.message, reason)
      assert.ok(!e.message.includes(secret) && !e.message.includes('eyJ'), 'the credential is not echoed')
      return true
    })
  }
  await revokeApiToken(ns.db, 'authn', 'test')
  await assert.rejects(auth.authenticate(`Bearer ${secret}`), AuthenticationError)
})

function entry(overrides: Partial<AuditEntry>): AuditEntry {
  return { actor: 'token:ci', role: 'operator', action: 'run.retry', resource: 'run:r1', params: {}, result: 'ok', status: 202, reason: null, clientAddress: '127.0.0.1', ...overrides }
}

test('audit lines are listed newest first, filtered, and paged with a cursor', async () => {
  const start = new Date(Date.now() - 1000)
  for (let i = 0; i < 5; i++) await appendAudit(ns.db, entry({ resource: `run:r${i}` }))
  await appendAudit(ns.db, entry({ actor: 'oidc:alice', role: null, action: 'token.create', resource: null, result: 'denied', status: 403, reason: "user 'alice' lacks permission 'tokens'" }))
  await appendAudit(ns.db, entry({ actor: 'anonymous', role: null, action: 'GET /runs', resource: null, result: 'unauthenticated', status: 401 }))
  const all = await listAudit(ns.db, { since: start })
  assert.equal(all.length, 7)
  assert.deepEqual(all.map((r) => Number(r.id)), all.map((r) => Number(r.id)).sort((a, b) => b - a), 'newest first')
  assert.equal(all[0]!.result, 'unauthenticated')
  assert.ok(all[0]!.at instanceof Date)
  assert.deepEqual(all[1], { ...entry({ actor: 'oidc:alice', role: null, action: 'token.create', resource: null, result: 'denied', status: 403, reason: "user 'alice' lacks permission 'tokens'" }), id: all[1]!.id, at: all[1]!.at })
  assert.deepEqual((await listAudit(ns.db, { actor: 'oidc:alice' })).map((r) => r.action), ['token.create'])
  assert.equal((await listAudit(ns.db, { action: 'run.retry' })).length, 5)
  assert.equal((await listAudit(ns.db, { result: 'denied' })).length, 1)
  assert.equal((await listAudit(ns.db, { until: start })).length, 0)
  // Pages of 2 through the 5 retries, with the last id of each page as the cursor.
  const pages: string[][] = []
  let before: string | undefined
  for (;;) {
    const page = await listAudit(ns.db, { action: 'run.retry', limit: 2, ...(before ? { before } : {}) })
    if (page.length === 0) break
    pages.push(page.map((r) => r.resource!))
    before = page.at(-1)!.id
  }
  assert.deepEqual(pages, [['run:r4', 'run:r3'], ['run:r2', 'run:r1'], ['run:r0']])
  const bad = await issuesOf(listAudit(ns.db, { limit: 1001, before: '1; DROP TABLE audit_log', result: 'maybe' }))
  assert.deepEqual(bad.map((l) => l.split(':')[0]), ['limit', 'before', 'result'])
})

test('the database refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
  await appendAudit(ns.db, entry({ action: 'kept' }))
  const refused = (e: unknown): boolean => {
    assert.match(String((e as Error).message), /audit_log is append-only: (UPDATE|DELETE|TRUNCATE) refused/)
    assert.equal((e as { code?: string }).code, '42501')
    return true
  }
  await assert.rejects(ns.db.updateTable('audit_log').set({ result: 'ok', reason: 'rewritten' }).where('action', '=', 'kept').execute(), refused)
  await assert.rejects(ns.db.deleteFrom('audit_log').where('action', '=', 'kept').execute(), refused)
  await assert.rejects(ns.db.deleteFrom('audit_log').where('id', '<', 0).execute(), refused, 'even a statement that matches no row')
  await assert.rejects(sql`TRUNCATE audit_log`.execute(ns.db), refused)
  assert.equal((await listAudit(ns.db, { action: 'kept' })).length, 1)
})

test('secrets never reach the audit log: secret-named keys at any depth, tokens and bearer values in text', async () => {
  const { secret } = await newToken('leaky')
  await appendAudit(
    ns.db,
    entry({
      action: 'leak.check',
      params: {
        name: 'ci',
        token: secret,
        body: { password: 'hunter2', nested: [{ clientSecret: 's3cr3t', Authorization: `Bearer ${secret}` }], apiKey: 'k', keep: 'visible' },
        note: `pasted ${secret} by mistake`,
        header: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
        tokens: ['listed ids are not secrets'],
        text: 'nul \u0000 and a lone \ud800 surrogate',
      },
      reason: `failed with ${secret}`,
    }),
  )
  const [row] = await listAudit(ns.db, { action: 'leak.check' })
  const text = JSON.stringify(row)
  for (const s of [secret.slice(-43), 'hunter2', 's3cr3t', 'eyJhbGciOiJSUzI1NiJ9']) assert.ok(!text.includes(s), `${s} was stored`)
  const params = row!.params as Record<string, unknown>
  assert.equal(params.token, '[redacted]')
  assert.deepEqual(params.body, { password: '[redacted]', nested: [{ clientSecret: '[redacted]', Authorization: '[redacted]' }], apiKey: '[redacted]', keep: 'visible' })
  assert.match(String(params.note), /^pasted baton_[a-z2-7]{12}_\[redacted\] by mistake$/, 'the public id stays, the secret goes')
  assert.equal(params.header, 'Bearer [redacted]')
  assert.deepEqual(params.tokens, ['listed ids are not secrets'])
  assert.equal(params.text, 'nul \\u0000 and a lone \\ud800 surrogate', 'made storable')
  assert.match(row!.reason!, /^failed with baton_[a-z2-7]{12}_\[redacted\]$/)
})
