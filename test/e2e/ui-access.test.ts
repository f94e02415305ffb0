import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { createApiToken, createLogger, revokeApiToken } from '@baton/shared'
import { launchBrowser, openPage, screenshot, signInWithToken } from '../support/browser.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { startTestIdp, type TestIdp } from '../support/test-idp.js'

// Signing in to the web UI (docs/ui.md): a pasted token kept in the tab's session only, a wrong
// or revoked token, single sign-on through an OIDC provider (authorization code with PKCE), and
// a viewer who sees no action buttons and whose direct action call is refused. Real Chromium,
// real API, coordinator and worker.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Worker
let api: RunningApi
let ssoApi: RunningApi
let idp: TestIdp
let browser: Browser
let runId = ''
const tokens = { admin: '', viewer: '' }
const ACTION_BUTTONS = /^(Trigger run|Pause|Unpause|Backfill|Retry from failure|Cancel run|Clear|Mark as|Approve|Reject)/

before(async () => {
  ns = await createTestNamespace('ui_access')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startWorker({ queue: 'uiacc', runners: true, config: ns.config, logger: createLogger({ level: 'silent' }) })
  await deploy(ns, { name: 'ui_acc', owner: 'access-team', tasks: { fetch: { queue: 'uiacc', run: { sh: 'echo fetched' } }, fail_hard: { queue: 'uiacc', after: ['fetch'], retry: { attempts: 1 }, run: { sh: 'echo broken >&2; exit 3' } } } })
  runId = (await waitForRun(ns, await trigger(ns, 'ui_acc', { partition: '2026-03-01' }))).id
  tokens.admin = (await createApiToken(ns.db, { name: 'ui-admin', grants: [{ role: 'admin' }], expiresAt: null, createdBy: 'test' })).secret
  tokens.viewer = (await createApiToken(ns.db, { name: 'ui-viewer', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })).secret
  api = await startApi({ config: loadApiConfig(ns.env, { baton: ns.config, port: 0, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
  idp = await startTestIdp({ sub: 'u-42', email: 'ada@example.com', groups: ['data-ops'] }, 'baton-ui')
  const sso = { ...ns.env, BATON_OIDC_ISSUER: idp.issuer, BATON_OIDC_AUDIENCE: 'baton-ui', BATON_OIDC_ROLE_MAP: '{"data-ops":"operator"}', BATON_OIDC_UI_CLIENT_ID: 'baton-ui' }
  ssoApi = await startApi({ config: loadApiConfig(sso, { baton: ns.config, port: 0, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await ssoApi?.close()
  await api?.close()
  await idp?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

test('a pasted token signs in and lives in this tab’s session storage only', async () => {
  const { context, page, problems } = await openPage(browser)
  await signInWithToken(page, api.url, tokens.admin)
  assert.match(await page.getByTestId('who').innerText(), /ui-admin/)
  await screenshot(page, 'workflows-admin')
  // Evaluated in the page (a string: this program has no DOM types).
  const stored = (await page.evaluate('({ session: Object.values(sessionStorage), local: Object.values(localStorage), cookie: document.cookie })')) as { session: string[]; local: string[]; cookie: string }
  assert.ok(stored.session.includes(tokens.admin))
  assert.ok(!stored.local.some((v) => v.includes('baton_')), 'nothing in localStorage but the theme')
  assert.equal(stored.cookie, '')
  // Another tab (context) has no session: the sign-in page.
  const other = await openPage(browser)
  await other.page.goto(`${api.url}/ui/runs/${runId}`)
  await other.page.getByLabel('API token', { exact: true }).waitFor()
  await other.context.close()
  assert.deepEqual(problems.errors, [])
  await context.close()
})

test('a wrong token is refused with a clear message, and nothing is kept', async () => {
  const { context, page } = await openPage(browser)
  await page.goto(`${api.url}/ui/workflows`)
  await page.getByLabel('API token', { exact: true }).fill('baton_nothere_0000000000000000000000000000000000000000000')
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByRole('alert').filter({ hasText: /token/i }).waitFor()
  assert.deepEqual(await page.evaluate('Object.values(sessionStorage)'), [])
  await context.close()
})

test('a viewer sees no action buttons, and a direct action call with its token is refused', async () => {
  const { context, page, problems } = await openPage(browser, { ignore: /403/ })
  await signInWithToken(page, api.url, tokens.viewer, `/ui/runs/${runId}`)
  await page.locator('[data-testid=dag] [data-task=fail_hard][data-status=failed]').waitFor()
  assert.equal(await page.getByRole('button', { name: ACTION_BUTTONS }).count(), 0, 'no action on the run page')
  await page.goto(`${api.url}/ui/workflows/ui_acc`)
  await page.getByRole('heading', { name: 'ui_acc' }).waitFor()
  assert.equal(await page.getByRole('button', { name: ACTION_BUTTONS }).count(), 0, 'no action on the workflow page')
  const refused = await page.evaluate(async ([id, token]) => {
    const r = await fetch(`/runs/${id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
    return { status: r.status, body: (await r.json()) as { error: { message: string } } }
  }, [runId, tokens.viewer] as const)
  assert.equal(refused.status, 403)
  assert.match(refused.body.error.message, /lacks permission 'retry'/)
  assert.deepEqual(problems.errors, [])
  await context.close()
})

test('a revoked token ends the session: the page says why and asks to sign in again', async () => {
  const secret = await createApiToken(ns.db, { name: 'ui-short', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })
  const { context, page } = await openPage(browser, { ignore: /401/ })
  await signInWithToken(page, api.url, secret.secret)
  await revokeApiToken(ns.db, secret.token.id, 'test')
  await page.goto(`${api.url}/ui/alerts`)
  await page.getByText(/session ended/i).waitFor()
  await page.getByLabel('API token', { exact: true }).waitFor()
  assert.equal(await page.evaluate("sessionStorage.getItem('baton.token')"), null)
  await context.close()
})

test('single sign-on: the identity provider’s code flow with PKCE signs in with the role its groups map to', async () => {
  const { context, page, problems } = await openPage(browser)
  await page.goto(`${ssoApi.url}/ui/workflows/ui_acc`)
  await page.getByRole('button', { name: /Sign in with 127\.0\.0\.1/ }).click()
  await page.getByTestId('who').waitFor()
  assert.match(await page.getByTestId('who').innerText(), /ada@example\.com.*operator/)
  assert.equal(new URL(page.url()).pathname, '/ui/workflows/ui_acc', 'back where the sign-in started')
  // The operator may trigger: the button is there.
  await page.getByRole('button', { name: 'Trigger run' }).first().waitFor()
  assert.deepEqual(idp.refusals, [])
  assert.deepEqual(problems.errors, [])
  await context.close()
})
