import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { createApiToken, createLogger, getRunDetails, newId, publishJson } from '@baton/shared'
import { launchBrowser, openPage, screenshot, signInWithToken, type PageProblems } from '../support/browser.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// Operating Baton from the web UI in real Chromium, against a real API, coordinator and stock
// worker: trigger from the params form, a DAG that turns green live, a failed check's logs and
// sample, retry from failure, approval, pause, the grid's filter, a deep link, and the page
// catching up after the API restarts. Screenshots of each page go to .baton/screenshots/ (or
// docs/images/ with BATON_UI_SCREENSHOTS=docs).

let ns: TestNamespace
let coordinator: Coordinator
let worker: Worker
let api: RunningApi
let browser: Browser
let page: Page
let problems: PageProblems
let flagDir: string
let token = ''
const ids = { quality: '', gridFailed: '' }

const NODE = (task: string, status?: string) => `[data-testid=dag] [data-task="${task}"]${status ? `[data-status="${status}"]` : ''}`

function startTestApi(port = 0): Promise<RunningApi> {
  return startApi({ config: loadApiConfig(ns.env, { baton: ns.config, port, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
}

before(async () => {
  ns = await createTestNamespace('ui_operate')
  flagDir = mkdtempSync(join(tmpdir(), 'baton-ui-flag-'))
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startWorker({ queue: 'uiop', runners: true, config: ns.config, logger: createLogger({ level: 'silent' }) })
  const q = { queue: 'uiop' }
  await deploy(ns, {
    name: 'ui_orders',
    owner: 'orders-team',
    description: 'Loads the day’s orders once the input file is there',
    params: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'eu' }, rows: { type: 'integer', minimum: 1 } }, required: ['rows'] },
    tasks: {
      extract: { ...q, run: { sh: 'echo "extracting $BATON_PARTITION"; sleep 1; echo \'{"files":3}\'' } },
      load: { ...q, after: ['extract'], retry: { attempts: 1 }, run: { sh: `test -f ${flagDir}/ready || { echo "input file missing" >&2; exit 1; }; echo loaded` } },
      report: { ...q, after: ['load'], run: { sh: 'echo reported' } },
    },
  })
  await deploy(ns, {
    name: 'ui_quality',
    owner: 'revenue-team',
    tasks: {
      build_facts: { ...q, run: { sh: 'echo "building facts"; echo "2 rows look wrong" >&2; echo \'{"rows":1250}\'' } },
      check_facts: { ...q, after: ['build_facts'], kind: 'check', run: { sh: 'echo "checking revenue >= 0"; echo \'{"passed": false, "details": {"negativeRows": 2}, "sample": [{"order_id": 7, "revenue": -3.5}, {"order_id": 9, "revenue": -1}]}\'' } },
      publish: { ...q, after: ['check_facts'], run: { sh: 'echo published' } },
    },
  })
  await deploy(ns, { name: 'ui_signoff', owner: 'finance', tasks: { prep: { ...q, run: { sh: 'echo prepared' } }, sign_off: { kind: 'approval', after: ['prep'], timeout: '1h' }, ship: { ...q, after: ['sign_off'], run: { sh: 'echo shipped' } } } })
  await deploy(ns, { name: 'ui_grid', owner: 'grid-team', tasks: { a: { ...q, run: { sh: 'echo a' } }, b: { ...q, after: ['a'], retry: { attempts: 1 }, run: { sh: '[ "$BATON_PARTITION" != "2026-04-02" ] && [ "$BATON_PARTITION" != "2026-04-04" ]' } }, c: { ...q, after: ['b'], trigger: 'all_done', run: { sh: 'echo c' } } } })
  ids.quality = (await waitForRun(ns, await trigger(ns, 'ui_quality', { partition: '2026-04-01' }))).id
  for (const day of ['2026-04-01', '2026-04-02', '2026-04-03', '2026-04-04']) await waitForRun(ns, await trigger(ns, 'ui_grid', { partition: day }))
  token = (await createApiToken(ns.db, { name: 'ui-operator-admin', grants: [{ role: 'admin' }], expiresAt: null, createdBy: 'test' })).secret
  api = await startTestApi()
  browser = await launchBrowser()
  ;({ page, problems } = await openPage(browser))
  await signInWithToken(page, api.url, token)
})

after(async () => {
  await browser?.close()
  await api?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  if (flagDir) rmSync(flagDir, { recursive: true, force: true })
  await assertNoLeaks()
})

test('the workflows page lists every workflow with its owner and latest runs', async () => {
  await page.goto(`${api.url}/ui/workflows`)
  for (const name of ['ui_orders', 'ui_quality', 'ui_signoff', 'ui_grid']) await page.getByRole('link', { name, exact: true }).waitFor()
  await screenshot(page, 'workflows')
  assert.deepEqual(problems.errors, [])
})

test('trigger a run from the params form, then watch its DAG turn green live; retry from failure', async () => {
  await page.goto(`${api.url}/ui/workflows/ui_orders`)
  await page.getByRole('button', { name: 'Trigger run' }).first().click()
  // A bad value is refused in the form, naming the field, before anything is sent.
  await page.locator('#root_params_rows').fill('0')
  await page.getByRole('button', { name: 'Start run' }).click()
  await page.getByText('0 is less than 1').waitFor()
  assert.equal(await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'ui_orders').executeTakeFirst(), undefined, 'nothing triggered')
  await page.locator('#root_params_rows').fill('250')
  await page.locator('#root_partition').fill('2026-04-10')
  await page.getByRole('button', { name: 'Start run' }).click()
  await page.getByRole('link', { name: /open run/ }).click()
  const runId = new URL(page.url()).pathname.split('/').pop()!
  const run = await getRunDetails(ns.db, runId)
  assert.deepEqual({ partition: run?.partition, params: run?.params }, { partition: '2026-04-10', params: { region: 'eu', rows: 250 } })
  // Live, without a reload: a marker set on the page survives while the statuses change.
  await page.evaluate('window.__noReload = true')
  await page.locator(NODE('extract', 'succeeded')).waitFor({ timeout: 30_000 })
  await page.locator(NODE('load', 'failed')).waitFor({ timeout: 30_000 })
  await page.locator(NODE('report', 'upstream_failed')).waitFor()
  await screenshot(page, 'run-dag-failed')
  writeFileSync(join(flagDir, 'ready'), '')
  await page.getByRole('button', { name: 'Retry from failure' }).click()
  await page.getByTestId('action-outcome').filter({ hasText: /Retry from failure/ }).waitFor()
  await page.locator(NODE('report', 'succeeded')).waitFor({ timeout: 30_000 })
  await page.locator(NODE('load', 'succeeded')).waitFor()
  assert.equal(await page.evaluate('window.__noReload'), true, 'the page was never reloaded')
  assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
  await screenshot(page, 'run-dag')
  await page.emulateMedia({ colorScheme: 'dark' })
  await screenshot(page, 'run-dag-dark')
  await page.emulateMedia({ colorScheme: 'light' })
  await page.getByRole('tab', { name: /Timeline/ }).click()
  await page.locator('.gantt-legend').waitFor()
  await screenshot(page, 'run-timeline')
  assert.deepEqual(problems.errors, [])
})

test('a failed check: its logs, its verdict and the sample of bad rows, from a deep link', async () => {
  await page.goto(`${api.url}/ui/runs/${ids.quality}?task=check_facts&tab=check`)
  const panel = page.getByRole('complementary', { name: 'Task check_facts' })
  await panel.waitFor()
  await page.getByTestId('check-verdict').waitFor()
  const sample = page.getByRole('table', { name: 'Sample of offending rows' })
  await sample.waitFor()
  assert.match(await sample.innerText(), /-3\.5/)
  assert.match(await sample.innerText(), /order_id/)
  await page.locator(NODE('check_facts', 'failed')).waitFor()
  await screenshot(page, 'run-task-check')
  await panel.getByRole('tab', { name: /Logs/ }).click()
  await page.getByRole('log', { name: 'Log lines' }).getByText('checking revenue >= 0').waitFor()
  assert.doesNotMatch(new URL(page.url()).search, /tab=check/, 'the tab is in the URL (logs: the default)')
  await screenshot(page, 'run-task-logs')
  assert.deepEqual(problems.errors, [])
})

test('the alerts page shows the failed check’s alert with its run', async () => {
  await page.goto(`${api.url}/ui/alerts`)
  await page.getByRole('link', { name: 'ui_quality' }).first().waitFor({ timeout: 30_000 })
  await screenshot(page, 'alerts')
  assert.deepEqual(problems.errors, [])
})

test('approve an approval task: the run goes on to ship', async () => {
  const runId = await trigger(ns, 'ui_signoff', { partition: '2026-04-05' })
  await page.goto(`${api.url}/ui/runs/${runId}?task=sign_off`)
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.locator(NODE('ship', 'succeeded')).waitFor({ timeout: 30_000 })
  assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
  const decided = await ns.db.selectFrom('history').select(['reason']).where('run_id', '=', runId).where('task_id', '=', 'sign_off').where('to_status', '=', 'succeeded').executeTakeFirst()
  assert.ok(decided, 'the approval is in the run history')
  assert.deepEqual(problems.errors, [])
})

test('filter the runs grid by status; the filter is in the URL and a cell opens its task', async () => {
  await page.goto(`${api.url}/ui/workflows/ui_grid?tab=grid`)
  const grid = page.getByTestId('run-grid')
  await grid.locator('[data-status]').first().waitFor()
  await screenshot(page, 'workflow-grid')
  const runsShown = async () => new Set(await grid.locator('[data-run]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run')))).size
  assert.equal(await runsShown(), 4)
  await page.getByRole('group', { name: 'Run status' }).getByRole('button', { name: /failed/ }).first().click()
  await eventually(async () => (await runsShown()) === 2, 'only the failed runs')
  assert.match(new URL(page.url()).search, /status=failed/)
  const failedRuns = await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'ui_grid').where('status', '=', 'failed').execute()
  const shown = new Set(await grid.locator('[data-run]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run'))))
  assert.deepEqual([...shown].sort(), failedRuns.map((r) => r.id).sort())
  await grid.locator(`[data-run="${failedRuns[0]!.id}"][data-task="b"]`).click()
  await page.getByRole('complementary', { name: 'Task b' }).waitFor()
  assert.equal(new URL(page.url()).pathname, `/ui/runs/${failedRuns[0]!.id}`)
  assert.deepEqual(problems.errors, [])
})

test('the workflow page’s graph, partitions and versions tabs', async () => {
  await page.goto(`${api.url}/ui/workflows/ui_quality?tab=graph`)
  await page.locator(NODE('check_facts')).waitFor()
  await screenshot(page, 'workflow-dag')
  await page.goto(`${api.url}/ui/workflows/ui_grid?tab=partitions`)
  await page.getByText('2026-04-02').first().waitFor()
  await screenshot(page, 'workflow-partitions')
  // A second version (one task's command changed): the diff shows what changed.
  await deploy(ns, { name: 'ui_grid', owner: 'grid-team', description: 'now with a description', tasks: { a: { queue: 'uiop', run: { sh: 'echo a2' } }, b: { queue: 'uiop', after: ['a'], retry: { attempts: 1 }, run: { sh: '[ "$BATON_PARTITION" != "2026-04-02" ] && [ "$BATON_PARTITION" != "2026-04-04" ]' } }, c: { queue: 'uiop', after: ['b'], trigger: 'all_done', run: { sh: 'echo c' } } } })
  await page.goto(`${api.url}/ui/workflows/ui_grid?tab=versions`)
  const diff = page.getByTestId('version-diff')
  await diff.waitFor()
  assert.match(await diff.innerText(), /echo a2/)
  assert.match((await diff.getAttribute('aria-label')) ?? '', /[1-9]\d* lines added/)
  await screenshot(page, 'workflow-versions')
  assert.deepEqual(problems.errors, [])
})

test('pause a workflow with a reason: the page says it is paused and the coordinator holds it', async () => {
  await page.goto(`${api.url}/ui/workflows/ui_grid`)
  await page.getByRole('button', { name: 'Pause', exact: true }).click()
  await page.getByLabel(/Reason/).fill('upstream outage INC-7')
  await page.getByRole('button', { name: 'Confirm pause' }).click()
  await eventually(async () => (await ns.db.selectFrom('workflows').select('paused_at').where('name', '=', 'ui_grid').executeTakeFirst())?.paused_at, 'ui_grid paused')
  await page.getByRole('button', { name: 'Unpause', exact: true }).waitFor()
  assert.deepEqual(problems.errors, [])
})

test('the API restarts under an open run page: it reconnects and shows what changed meanwhile', async () => {
  const runId = await trigger(ns, 'ui_signoff', { partition: '2026-04-06' })
  await page.goto(`${api.url}/ui/runs/${runId}`)
  await page.locator(NODE('sign_off', 'running')).waitFor({ timeout: 30_000 })
  const port = Number(new URL(api.url).port)
  await api.close()
  // Decided while no API is up: the change is committed by the coordinator alone.
  const id = newId()
  await publishJson(ns.js, ns.subjects.runActionRequested, id, { id, runId, action: 'approve', taskId: 'sign_off', by: 'test', reason: 'approved while the API was down' })
  await waitForRun(ns, runId)
  api = await startTestApi(port)
  await page.locator(NODE('ship', 'succeeded')).waitFor({ timeout: 60_000 })
  assert.deepEqual(problems.errors.filter((e) => !/ERR_CONNECTION_REFUSED|event stream|network/i.test(e)), [])
})
