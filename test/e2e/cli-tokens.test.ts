import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { userInfo } from 'node:os'
import { sql } from 'kysely'
import { createAuthenticator } from '@baton/api'
import { appendAudit, findApiToken, type ApiTokenRecord, type AuditRecord } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { runBaton } from '../support/processes.js'
import { assertOneErrorLine, batonJson, STACK } from '../support/cli-assertions.js'

// `baton token create|list|revoke` and `baton audit` as an operator runs them, straight against
// the database: the secret printed once and usable as a bearer token, never listed or audited;
// token changes in the audit log under cli:<OS user>.

const SECRET = /^baton_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/
const ACTOR = `cli:${userInfo().username}`

let ns: TestNamespace
before(async () => {
  ns = await createTestNamespace('cli_tokens')
})
after(async () => {
  await ns.close()
  await assertNoLeaks()
})

/** Every secret any test printed: none may show up anywhere else. */
const secrets: string[] = []

async function create(args: string[]): Promise<{ secret: string; stderr: string }> {
  const r = await runBaton(['token', 'create', ...args], ns.env)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^baton_\S+\n$/, 'stdout is the secret alone, on its own line')
  const secret = r.stdout.trim()
  assert.match(secret, SECRET)
  secrets.push(secret)
  return { secret, stderr: r.stderr }
}

test('token create prints the secret once, on its own line, with a warning; the secret authenticates', async () => {
  const { secret, stderr } = await create(['--name', 'ci', '--role', 'operator', '--workflows', 'finance_*', '--expires', '30d'])
  assert.match(stderr, /^created token 'ci' \(id [a-z2-7]{12}, operator on finance_\*, expires \d{4}-\d{2}-\d{2}T[\d:]+Z\)$/m)
  assert.match(stderr, /^warning: the secret is shown only this once/m)
  assert.ok(!stderr.includes(secret), 'the secret is printed only on stdout')
  const found = await findApiToken(ns.db, secret)
  assert.equal(found?.name, 'ci')
  const days = (found!.expiresAt!.getTime() - Date.now()) / 86_400_000
  assert.ok(days > 29.9 && days <= 30, `expires in 30 days (${days})`)
  const principal = await createAuthenticator({ db: ns.db }).authenticate(`Bearer ${secret}`)
  assert.deepEqual(principal, { id: 'token:ci', kind: 'token', name: 'ci', grants: [{ role: 'operator', workflows: 'finance_*' }], groups: [] })
})

test('token create --json returns the record with its secret; without --name the name is made up', async () => {
  const t = await batonJson<ApiTokenRecord & { secret: string }>(ns.env, ['token', 'create', '--role', 'approver', '--owner', 'finance'])
  assert.match(t.secret, SECRET)
  secrets.push(t.secret)
  assert.match(t.name, /^approver-[0-9a-f]{6}$/)
  assert.deepEqual(t.grants, [{ role: 'approver', owner: 'finance' }])
  assert.equal(t.createdBy, ACTOR)
  assert.equal(t.expiresAt, null)
})

test('token create refuses bad flags with one error line naming the flag', async () => {
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'boss'], ns.env), /^error: --role: unknown role 'boss': use one of viewer, operator, approver, admin$/)
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'viewer', '--workflows', 'a', '--owner', 'b'], ns.env), /--workflows\/--owner: scope a grant by workflows or by owner, not both/)
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'viewer', '--workflows', 'a;b'], ns.env), /--workflows: 'a;b' is not a workflow name glob/)
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'viewer', '--expires', '2020-01-01'], ns.env), /--expires: "2020-01-01" is not in the future/)
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'viewer', '--expires', 'soon'], ns.env), /--expires: "soon" is not a time/)
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'viewer', '--name', 'bad name'], ns.env), /--name: 'bad name' is not a token name/)
  assertOneErrorLine(await runBaton(['token', 'create', '--role', 'viewer', '--name', 'ci'], ns.env), /--name: a token named 'ci' already exists/)
  const missing = await runBaton(['token', 'create'], ns.env)
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /required option '--role <role>' not specified/)
})

test('token list shows names, grants and status, never a secret or hash', async () => {
  const r = await runBaton(['token', 'list'], ns.env)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /│ ci +│ operator on finance_\* +│ active +│/)
  const list = await batonJson<ApiTokenRecord[]>(ns.env, ['token', 'list'])
  assert.ok(list.length >= 2)
  for (const t of list) assert.deepEqual(Object.keys(t).sort(), ['createdAt', 'createdBy', 'expiresAt', 'grants', 'id', 'lastUsedAt', 'name', 'revokedAt', 'revokedBy'])
  for (const out of [r.stdout, JSON.stringify(list)]) for (const s of secrets) assert.ok(!out.includes(s.slice(-43)), 'no secret listed')
})

test('token revoke by name or id, idempotently; the secret stops working; an unknown token is one error line', async () => {
  const { secret } = await create(['--name', 'short_lived', '--role', 'viewer'])
  const first = await runBaton(['token', 'revoke', 'short_lived'], ns.env)
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stdout, /^revoked token 'short_lived' \(id ([a-z2-7]{12})\): requests with it are refused from now on\n$/)
  const id = /id ([a-z2-7]{12})/.exec(first.stdout)![1]!
  assert.equal(await findApiToken(ns.db, secret), null)
  const again = await runBaton(['token', 'revoke', id], ns.env)
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stdout, new RegExp(`^token 'short_lived' \\(id ${id}\\) was already revoked at \\S+Z by ${ACTOR}\\n$`))
  const listed = (await batonJson<ApiTokenRecord[]>(ns.env, ['token', 'list'])).find((t) => t.name === 'short_lived')
  assert.equal(listed?.revokedBy, ACTOR)
  assertOneErrorLine(await runBaton(['token', 'revoke', 'no_such_token'], ns.env), /^error: token 'no_such_token' not found$/)
})

test('baton audit lists the CLI token changes under cli:<user>, newest first, with filters and pages, without a secret', async () => {
  await appendAudit(ns.db, { actor: 'token:ci', role: 'operator', action: 'run.retry', resource: 'run:r1', params: { body: { token: secrets[0] } }, result: 'ok', status: 202, reason: null, clientAddress: '10.0.0.7' })
  const all = await batonJson<AuditRecord[]>(ns.env, ['audit'])
  assert.equal(all[0]!.action, 'run.retry')
  const mine = await batonJson<AuditRecord[]>(ns.env, ['audit', '--actor', ACTOR])
  assert.deepEqual(
    mine.map((r) => `${r.action} ${r.resource} ${r.result}`).reverse(),
    [
      'token.create token:ci ok',
      `token.create ${mine.find((r) => r.resource?.startsWith('token:approver-'))!.resource} ok`,
      // Refused by the database layer (name checks, a taken name): the attempt is audited too.
      'token.create token:bad name failed',
      'token.create token:ci failed',
      'token.create token:short_lived ok',
      'token.revoke token:short_lived ok',
      'token.revoke token:short_lived ok',
      'token.revoke token:no_such_token failed',
    ],
  )
  assert.ok(mine.every((r) => r.role === null && r.actor === ACTOR))
  const created = mine.at(-1)!.params as { name: string; grants: unknown; expiresAt: string }
  assert.deepEqual({ ...created, expiresAt: undefined }, { name: 'ci', grants: [{ role: 'operator', workflows: 'finance_*' }], expiresAt: undefined })
  assert.match(created.expiresAt, /^\d{4}-\d{2}-\d{2}T/)
  assert.equal((await batonJson<AuditRecord[]>(ns.env, ['audit', '--action', 'token.revoke', '--result', 'failed'])).length, 1)
  assert.equal((await batonJson<AuditRecord[]>(ns.env, ['audit', '--since', '1h', '--actor', 'token:ci'])).length, 1)
  const page = await batonJson<AuditRecord[]>(ns.env, ['audit', '--limit', '3'])
  const next = await batonJson<AuditRecord[]>(ns.env, ['audit', '--limit', '3', '--before', page.at(-1)!.id])
  assert.deepEqual([...page, ...next].map((r) => r.id), all.slice(0, 6).map((r) => r.id))
  const human = await runBaton(['audit', '--limit', '2'], ns.env)
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /│ token:ci +│ operator │ run\.retry +│ run:r1 +│ ok +│ 202 +│/)
  assert.match(human.stdout, new RegExp(`older lines: --before ${all[1]!.id}\\n$`))
  // Nothing a test printed as a secret is in the audit table.
  const stored = JSON.stringify((await sql`SELECT * FROM audit_log`.execute(ns.db)).rows)
  for (const s of secrets) assert.ok(!stored.includes(s.slice(-43)), 'a secret reached the audit log')
})

test('baton audit refuses bad filters with one error line naming the flag', async () => {
  assertOneErrorLine(await runBaton(['audit', '--result', 'maybe'], ns.env), /^error: --result: unknown result 'maybe'/)
  assertOneErrorLine(await runBaton(['audit', '--before', '1 OR 1=1'], ns.env), /^error: --before: '1 OR 1=1' is not an audit id/)
  assertOneErrorLine(await runBaton(['audit', '--limit', '5000'], ns.env), /^error: --limit: must be an integer from 1 to 1000/)
  assertOneErrorLine(await runBaton(['audit', '--since', 'yesterday'], ns.env), /^error: --since: "yesterday" is not a time/)
  const r = await runBaton(['audit', '--actor', "x' OR '1'='1"], ns.env)
  assert.equal(r.code, 0, r.stderr)
  assert.doesNotMatch(r.stderr, STACK)
  assert.equal(r.stdout, 'no audit lines\n')
})
