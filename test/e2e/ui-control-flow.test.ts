import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { NonRetryableError, setPool } from '@baton/shared'
import { startWorker, type Worker } from '@baton/worker'
import { launchBrowser, openPage, screenshot, signInWithToken } from '../support/browser.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { runBaton, startBaton, stopGracefully, type BatonProcess } from '../support/processes.js'
import { deploy, trigger } from '../support/runs.js'

// The run page in real Chromium for issue 12's control flow: a task waiting for a pool slot says
// what for, a sub-workflow's parent and child runs link to each other, and a mapped task shows
// its instances grouped by status, each one openable.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Worker
let browser: Browser
let api: BatonProcess
let base: string
let token: string
let openGate: () => void = () => {}
const gate = new Promise<void>((r) => (openGate = r))

before(async () => {
  ns = await createTestNamespace('ui_flow')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startWorker({ queue: 'default', concurrency: 4, config: ns.config, nc: ns.nc, handlers: {
      block: async () => gate,
      ok: () => ({ ok: true }),
      files: () => ({ files: Array.from({ length: 250 }, (_, i) => `f${i}.csv`) }),
      // Every 50th file is bad: not retried, so the mapped task fails with 5 failed instances.
      load_file: (ctx) => {
        if (ctx.map!.index % 50 === 7) throw new NonRetryableError(`${String(ctx.map!.element)} is corrupt`)
        return { rows: ctx.map!.index }
      },
    },
  })
  const t = await runBaton(['token', 'create', '--role', 'admin', '--name', 'ui_flow'], ns.env)
  assert.equal(t.code, 0, t.stderr)
  token = t.stdout.trim()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  api = startBaton(['api', '--port', String(port), '--host', '127.0.0.1'], ns.env)
  await eventually(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 'the API to be ready', 60_000)
  browser = await launchBrowser()
})
after(async () => {
  openGate()
  await browser?.close()
  await stopGracefully(api, 10_000)
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

test('a task waiting for a full pool says so, and parent and child runs link both ways', async () => {
  await setPool(ns.db, { name: 'warehouse', slots: 1 }, 'test')
  await deploy(ns, { name: 'blocker', tasks: { hold: { handler: 'block', pool: 'warehouse' } } })
  await deploy(ns, { name: 'child_marts', tasks: { build: { handler: 'block' } } })
  await deploy(ns, { name: 'nightly', tasks: { extract: { handler: 'ok' }, load: { after: ['extract'], handler: 'ok', pool: 'warehouse' }, marts: { after: ['extract'], run: { workflow: 'child_marts' } } } })
  const blocker = await trigger(ns, 'blocker')
  await eventually(async () => (await ns.db.selectFrom('task_slot_holds').select('run_id').execute()).some((h) => h.run_id === blocker), 'the blocker to hold the slot')
  const runId = await trigger(ns, 'nightly')
  const childId = await eventually(async () => (await ns.db.selectFrom('runs').select('id').where('parent_run_id', '=', runId).executeTakeFirst())?.id, 'the child run')
  await eventually(async () => (await ns.db.selectFrom('task_slot_waits').select('task_id').where('run_id', '=', runId).execute()).length === 1, 'load to wait')

  const { context, page, problems } = await openPage(browser)
  await signInWithToken(page, base, token, `/ui/runs/${runId}?task=load`)
  await page.goto(`${base}/ui/runs/${runId}?task=load`)
  await page.getByTestId('waiting-for').waitFor()
  assert.equal(await page.getByTestId('waiting-for').textContent(), 'pool warehouse full 1/1, 1 waiting, position 1')
  const family = page.getByRole('list', { name: 'Related runs' })
  assert.match((await family.textContent()) ?? '', /Task marts \(attempt 1\) runs child_marts run/)
  // The picture once the graph is laid out, not its placeholder.
  await page.locator('[data-testid=dag] [data-task="load"][data-status="queued"]').waitFor()
  await screenshot(page, 'run-waiting-for-pool')
  await family.getByRole('link').click()
  await page.waitForURL(`**/ui/runs/${childId}`)
  const back = page.getByRole('list', { name: 'Related runs' })
  assert.match((await back.textContent()) ?? '', /Started by task marts of run/)
  await back.getByRole('link').click()
  await page.waitForURL(`**/ui/runs/${runId}?task=marts`)
  assert.deepEqual(problems.errors, [])
  await context.close()
})

test('a mapped task shows its instance counts on the graph and a list filterable by status; an instance opens like a task', async () => {
  await deploy(ns, { name: 'files_map', tasks: { list: { handler: 'files' }, load: { map: { from: 'list', key: 'files' }, handler: 'load_file' }, report: { after: ['load'], trigger: 'all_done', handler: 'ok' } } })
  const runId = await trigger(ns, 'files_map')
  await eventually(async () => (await ns.db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst())?.status === 'failed', 'the run to fail')

  const { context, page, problems } = await openPage(browser)
  await signInWithToken(page, base, token, `/ui/runs/${runId}`)
  await page.goto(`${base}/ui/runs/${runId}`)
  const node = page.locator('[data-testid=dag] [data-task="load"]')
  await node.waitFor()
  assert.match((await node.textContent()) ?? '', /load\s*\[250\]/)
  assert.match((await node.getByTestId('map-bar').getAttribute('aria-label')) ?? '', /245 succeeded.*5 failed|5 failed.*245 succeeded/)
  await node.click()
  const list = page.getByTestId('map-instances')
  await list.waitFor()
  await page.locator('[data-instance="load[0]"]').waitFor()
  assert.match((await list.textContent()) ?? '', /250 over list\.files/)
  await screenshot(page, 'run-mapped-task')
  // Past one page (200): more on demand.
  await list.getByRole('button', { name: /Show more \(200 shown\)/ }).click()
  await list.getByRole('button', { name: /Show more/ }).waitFor({ state: 'detached' })
  await list.getByRole('button', { name: /failed/ }).click()
  await page.waitForURL(/instances=failed/)
  await page.locator('[data-instance="load[207]"]').waitFor()
  const shown = await page.locator('[data-instance]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')))
  assert.deepEqual(shown, ['load[7]', 'load[57]', 'load[107]', 'load[157]', 'load[207]'])
  assert.match((await page.locator('[data-instance="load[57]"]').textContent()) ?? '', /f57\.csv is corrupt/)
  await page.locator('[data-instance="load[57]"]').click()
  await page.waitForURL(/task=load%5B57%5D|task=load\[57\]/)
  // The panel once the instance is read (its placeholder has the same name, no data-task).
  const panel = page.locator('aside[data-task="load[57]"]')
  await panel.waitFor()
  assert.match((await panel.textContent()) ?? '', /f57\.csv/)
  assert.equal(await panel.getByRole('table', { name: 'Attempts' }).locator('tbody tr').count(), 1)
  await screenshot(page, 'run-mapped-instance')
  await panel.getByRole('button', { name: 'instance 57 of load' }).click()
  await page.getByTestId('map-instances').waitFor()
  assert.deepEqual(problems.errors, [])
  await context.close()
})
