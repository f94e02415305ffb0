import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApiServer, loadApiConfig, type ZodApp } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createApiToken, createLogger } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// What the web UI reads beyond the resources (docs/ui.md): who the caller is and what it may do
// (GET /me, `allowed` on a workflow and a run), how to sign in (GET /ui/config, public), the
// runs × tasks grid, and the UI's own page and assets (served without a credential, with a CSP).

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
let app: ZodApp
let bare: ZodApp
let uiDir: string
const tokens = { admin: '', viewer: '', gridOps: '', other: '' }
const runs: string[] = []

async function get(server: ZodApp, url: string, token?: string) {
  const res = await server.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })
  let body: any = res.body
  try {
    body = JSON.parse(res.body)
  } catch {
    // HTML and assets stay text.
  }
  return { status: res.statusCode, headers: res.headers, body }
}

before(async () => {
  ns = await createTestNamespace('api_ui')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'uiq', (cmd) => (cmd.taskId === 'b' && cmd.partition === '2026-01-02' ? { fail: { message: 'b broke', retryable: false } } : { succeed: { task: cmd.taskId } }))
  await deploy(ns, { name: 'ui_grid', owner: 'grid-team', tasks: { a: { queue: 'uiq' }, b: { queue: 'uiq', after: ['a'] }, c: { queue: 'uiq', after: ['b'], trigger: 'all_done' } } })
  await deploy(ns, { name: 'ui_other', owner: 'other', tasks: { only: { queue: 'uiq' } } })
  for (const day of ['2026-01-01', '2026-01-02', '2026-01-03']) runs.push((await waitForRun(ns, await trigger(ns, 'ui_grid', { partition: day }))).id)
  const mint = async (name: string, grants: { role: string; workflows?: string; owner?: string }[]) => (await createApiToken(ns.db, { name, grants, expiresAt: null, createdBy: 'test' })).secret
  tokens.admin = await mint('admin', [{ role: 'admin' }])
  tokens.viewer = await mint('viewer', [{ role: 'viewer' }])
  tokens.gridOps = await mint('grid-ops', [{ role: 'operator', workflows: 'ui_grid' }])
  tokens.other = await mint('other-viewer', [{ role: 'viewer', owner: 'other' }])

  uiDir = mkdtempSync(join(tmpdir(), 'baton-ui-'))
  mkdirSync(join(uiDir, 'assets'))
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Baton</title><script type="module" src="/assets/app-abc.js"></script>')
  writeFileSync(join(uiDir, 'assets', 'app-abc.js'), 'console.log("ui")')
  const env = { ...ns.env, BATON_TRACE_URL: 'http://jaeger:16686/trace/{traceId}', BATON_OIDC_ISSUER: 'https://idp.example.com/realms/data', BATON_OIDC_AUDIENCE: 'baton', BATON_OIDC_ROLE_MAP: '{"ops":"operator"}', BATON_OIDC_UI_CLIENT_ID: 'baton-ui' }
  app = buildApiServer({ db: ns.db, nc: ns.nc, subjects: ns.subjects, config: loadApiConfig(env), logger: createLogger({ level: 'silent' }), uiDir })
  bare = buildApiServer({ db: ns.db, nc: ns.nc, subjects: ns.subjects, config: loadApiConfig(ns.env, { baton: ns.config }), logger: createLogger({ level: 'silent' }), uiDir: join(uiDir, 'missing') })
  await Promise.all([app.ready(), bare.ready()])
})

after(async () => {
  await app?.close()
  await bare?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  if (uiDir) rmSync(uiDir, { recursive: true, force: true })
  await assertNoLeaks()
})

describe('GET /me and allowed actions', () => {
  test('/me names the caller, its grants and what it holds on every workflow', async () => {
    const admin = await get(app, '/me', tokens.admin)
    assert.equal(admin.status, 200)
    assert.deepEqual({ id: admin.body.id, kind: admin.body.kind, name: admin.body.name, grants: admin.body.grants }, { id: 'token:admin', kind: 'token', name: 'admin', grants: [{ role: 'admin' }] })
    assert.ok(admin.body.allowed.includes('tokens') && admin.body.allowed.includes('audit'))
    assert.deepEqual((await get(app, '/me', tokens.viewer)).body.allowed, ['read'])
    // A scoped grant holds nothing on every workflow; the resources say what it holds on each.
    assert.deepEqual((await get(app, '/me', tokens.gridOps)).body.allowed, [])
    assert.equal((await get(app, '/me')).status, 401)
  })

  test('a workflow and a run carry the permissions the caller holds on them', async () => {
    assert.deepEqual((await get(app, '/workflows/ui_grid', tokens.viewer)).body.allowed, ['read'])
    assert.deepEqual((await get(app, '/workflows/ui_grid', tokens.gridOps)).body.allowed, ['read', 'trigger', 'cancel', 'retry', 'clear', 'pause', 'backfill'])
    assert.deepEqual((await get(app, `/runs/${runs[1]}`, tokens.gridOps)).body.allowed, ['read', 'trigger', 'cancel', 'retry', 'clear', 'pause', 'backfill'])
    assert.ok((await get(app, `/runs/${runs[1]}`, tokens.admin)).body.allowed.includes('mark'))
    assert.equal((await get(app, '/workflows/ui_grid', tokens.other)).status, 403)
  })
})

describe('GET /ui/config', () => {
  test('needs no credential and tells the UI how to sign in and link traces', async () => {
    const r = await get(app, '/ui/config')
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { oidc: { issuer: 'https://idp.example.com/realms/data', clientId: 'baton-ui', scopes: 'openid email profile', token: 'id_token' }, traceUrl: 'http://jaeger:16686/trace/{traceId}' })
    assert.deepEqual((await get(bare, '/ui/config')).body, { oidc: null, traceUrl: null })
  })

  test('a bad UI sign-in setting is refused at start-up, naming the variable', () => {
    const env = { BATON_OIDC_ISSUER: 'https://idp.example.com', BATON_OIDC_AUDIENCE: 'baton', BATON_OIDC_ROLE_MAP: '{}', BATON_OIDC_UI_CLIENT_ID: 'baton-ui', BATON_OIDC_UI_TOKEN: 'refresh_token', BATON_OIDC_UI_SCOPES: 'email' }
    assert.throws(() => loadApiConfig(env), (e: any) => {
      const paths = e.issues.map((i: { path: string }) => i.path)
      assert.deepEqual(paths.sort(), ['BATON_OIDC_UI_SCOPES', 'BATON_OIDC_UI_TOKEN'])
      return true
    })
  })
})

describe('GET /workflows/{name}/grid', () => {
  test('every run of the page with a cell per task, tasks in topological order, newest run first', async () => {
    const r = await get(app, '/workflows/ui_grid/grid', tokens.viewer)
    assert.equal(r.status, 200)
    assert.deepEqual(r.body.tasks, ['a', 'b', 'c'])
    assert.deepEqual(r.body.runs.map((x: { id: string }) => x.id), [...runs].reverse())
    const failed = r.body.runs.find((x: { partition: string }) => x.partition === '2026-01-02')
    assert.equal(failed.status, 'failed')
    assert.deepEqual(failed.cells.map((c: { task: number; status: string }) => [r.body.tasks[c.task], c.status]), [['a', 'succeeded'], ['b', 'failed'], ['c', 'succeeded']])
    assert.ok(failed.cells.every((c: { attempt: number; durationMs: number | null }) => c.attempt >= 1 && c.durationMs !== null && c.durationMs >= 0))
    assert.equal(r.body.nextCursor, null)
  })

  test('pages with before, filters by status and partition', async () => {
    const first = await get(app, '/workflows/ui_grid/grid?limit=2', tokens.viewer)
    assert.deepEqual(first.body.runs.map((x: { id: string }) => x.id), [runs[2], runs[1]])
    assert.equal(first.body.nextCursor, runs[1])
    const second = await get(app, `/workflows/ui_grid/grid?limit=2&before=${first.body.nextCursor}`, tokens.viewer)
    assert.deepEqual(second.body.runs.map((x: { id: string }) => x.id), [runs[0]])
    assert.equal(second.body.nextCursor, null)
    assert.deepEqual((await get(app, '/workflows/ui_grid/grid?status=failed', tokens.viewer)).body.runs.map((x: { id: string }) => x.id), [runs[1]])
    assert.deepEqual((await get(app, '/workflows/ui_grid/grid?partition=2026-01-03', tokens.viewer)).body.runs.map((x: { id: string }) => x.id), [runs[2]])
  })

  test('bad input names the field; an unknown or unreadable workflow is refused', async () => {
    const bad = await get(app, '/workflows/ui_grid/grid?limit=5000', tokens.viewer)
    assert.equal(bad.status, 400)
    assert.match(bad.body.error.message, /limit/)
    const cursor = await get(app, '/workflows/ui_grid/grid?before=nope', tokens.viewer)
    assert.equal(cursor.status, 400)
    assert.match(cursor.body.error.message, /before/)
    assert.equal((await get(app, '/workflows/ui_nope/grid', tokens.admin)).status, 404)
    assert.equal((await get(app, '/workflows/ui_grid/grid', tokens.other)).status, 403)
  })
})

describe('the web UI is served at / and /ui/…', () => {
  test('its page needs no credential and carries a Content-Security-Policy of its own', async () => {
    for (const path of ['/', '/ui', '/ui/runs/0190a000-0000-7000-8000-000000000000?task=b&tab=logs']) {
      const r = await get(app, path)
      assert.equal(r.status, 200, path)
      assert.match(String(r.headers['content-type']), /^text\/html/)
      assert.match(r.body, /<title>Baton<\/title>/)
      const csp = String(r.headers['content-security-policy'])
      assert.match(csp, /script-src 'self'/)
      assert.match(csp, /connect-src 'self' https:\/\/idp\.example\.com/)
      assert.match(csp, /frame-ancestors 'none'/)
    }
  })

  test('assets are cached for good; nothing outside the assets folder is reachable', async () => {
    const js = await get(app, '/assets/app-abc.js')
    assert.equal(js.status, 200)
    assert.match(String(js.headers['cache-control']), /immutable/)
    for (const path of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/nope.js']) assert.equal((await get(app, path)).status, 404, path)
  })

  test('the API beside it answers as before: JSON, and 401 without a credential', async () => {
    const r = await get(app, '/runs')
    assert.equal(r.status, 401)
    assert.equal(r.body.error.code, 'UNAUTHENTICATED')
  })

  test('without a built UI, / says how to build it and the API still works', async () => {
    const r = await get(bare, '/')
    assert.equal(r.status, 404)
    assert.match(r.body, /make build/)
    assert.equal((await get(bare, '/me', tokens.viewer)).status, 200)
  })
})
