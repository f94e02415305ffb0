import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { userInfo } from 'node:os'
import { listAudit, listPools, type PoolView } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { runBaton, startBaton, stopGracefully, type BatonProcess } from '../support/processes.js'
import { assertOneErrorLine } from '../support/cli-assertions.js'

// `baton pools list|set|delete` straight on the database (audited under cli:<OS user>) and
// through the HTTP API (GET /pools for readers, PUT/DELETE for admins only, audited under the token).

let ns: TestNamespace
let apiUrl: string
const procs: BatonProcess[] = []
const secrets = { admin: '', viewer: '' }

before(async () => {
  ns = await createTestNamespace('cli_pools')
  for (const role of ['admin', 'viewer'] as const) {
    const t = await runBaton(['token', 'create', '--role', role, '--name', `pools_${role}`], ns.env)
    assert.equal(t.code, 0, t.stderr)
    secrets[role] = t.stdout.trim()
  }
  const port = await freePort()
  apiUrl = `http://127.0.0.1:${port}`
  procs.push(startBaton(['api', '--port', String(port), '--host', '127.0.0.1'], ns.env))
  await eventually(async () => (await fetch(`${apiUrl}/readyz`).catch(() => undefined))?.status === 200, 'the API to be ready', 60_000)
})
after(async () => {
  for (const p of procs) await stopGracefully(p, 10_000)
  await ns.close()
  await assertNoLeaks()
})

const through = (token: string) => ({ ...ns.env, BATON_API_URL: apiUrl, BATON_TOKEN: token })

describe('direct mode', () => {
  test('set creates and resizes a pool, list shows it, delete removes it; each change is audited', async () => {
    let r = await runBaton(['pools', 'set', 'warehouse', '--slots', '4', '--description', 'the warehouse takes 4 heavy queries'], ns.env)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'pool warehouse: 4 slots\n')
    r = await runBaton(['pools', 'set', 'shared', '--slots', '6', '--fair-share', '--weight', 'finance=2', '--weight', 'growth=1'], ns.env)
    assert.equal(r.code, 0, r.stderr)
    r = await runBaton(['pools', 'list'], ns.env)
    assert.match(r.stdout, /│ warehouse\s+│ 4\s+│ 0\s+│ 0\s+│ priority, then age\s+│ the warehouse takes 4 heavy queries/)
    assert.match(r.stdout, /│ shared\s+│ 6\s+│ 0\s+│ 0\s+│ fair share \(finance=2 growth=1\)/)
    const listed = JSON.parse((await runBaton(['pools', 'list', '--json'], ns.env)).stdout) as PoolView[]
    assert.deepEqual(listed.map((p) => [p.name, p.slots, p.fairShare, p.weights]), [
      ['shared', 6, true, { finance: 2, growth: 1 }],
      ['warehouse', 4, false, {}],
    ])
    assert.equal((await runBaton(['pools', 'delete', 'shared'], ns.env)).stdout, 'pool shared deleted\n')
    assert.deepEqual((await listPools(ns.db)).map((p) => p.name), ['warehouse'])
    const audit = await listAudit(ns.db, { action: 'pool.set' })
    assert.ok(audit.some((a) => a.actor === `cli:${userInfo().username}` && a.resource === 'pool:warehouse' && a.result === 'ok'))
    assert.ok((await listAudit(ns.db, { action: 'pool.delete' })).some((a) => a.resource === 'pool:shared'))
  })

  test('bad flags and refused changes are one error line naming the field', async () => {
    assertOneErrorLine(await runBaton(['pools', 'set', 'p', '--slots', '0'], ns.env), /--slots: must be an integer from 1 to 10000, got "0"/)
    assertOneErrorLine(await runBaton(['pools', 'set', 'p', '--slots', '2', '--weight', 'a=2'], ns.env), /--weight: weights only apply with --fair-share/)
    assertOneErrorLine(await runBaton(['pools', 'set', 'p', '--slots', '2', '--fair-share', '--weight', 'a'], ns.env), /--weight: "a" is not OWNER=WEIGHT/)
    assertOneErrorLine(await runBaton(['pools', 'set', '1p', '--slots', '2'], ns.env), /name: must start with a letter/)
    assertOneErrorLine(await runBaton(['pools', 'delete', 'nosuch'], ns.env), /^error: pool 'nosuch' not found$/)
    const quiet = await runBaton(['pools', 'delete', 'nosuch', '--if-exists'], ns.env)
    assert.deepEqual([quiet.code, quiet.stdout], [0, 'pool nosuch does not exist; nothing deleted\n'])
  })
})

describe('through the API', () => {
  test('a viewer lists pools; only an admin changes them, audited under its token', async () => {
    const ok = await runBaton(['pools', 'set', 'api_pool', '--slots', '3'], through(secrets.admin))
    assert.equal(ok.code, 0, ok.stderr)
    const listed = JSON.parse((await runBaton(['pools', 'list', '--json'], through(secrets.viewer))).stdout) as PoolView[]
    assert.ok(listed.some((p) => p.name === 'api_pool' && p.slots === 3 && p.updatedBy === 'token:pools_admin'))
    const denied = await runBaton(['pools', 'set', 'api_pool', '--slots', '9'], through(secrets.viewer))
    assert.notEqual(denied.code, 0)
    assert.match(denied.stderr, /pools/)
    assert.equal((await listPools(ns.db)).find((p) => p.name === 'api_pool')?.slots, 3, 'the denied change changed nothing')
    assert.ok((await listAudit(ns.db, { action: 'pool.set' })).some((a) => a.actor === 'token:pools_viewer' && a.result === 'denied'))
    assert.notEqual((await runBaton(['pools', 'delete', 'api_pool'], through(secrets.viewer))).code, 0)
    assert.equal((await runBaton(['pools', 'delete', 'api_pool'], through(secrets.admin))).code, 0)
    assert.ok(!(await listPools(ns.db)).some((p) => p.name === 'api_pool'))
  })
})
