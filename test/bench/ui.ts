import type { ChildProcess } from 'node:child_process'
import type { Browser, Page } from 'playwright-core'
import { createApiToken, decodeJson, ensureConsumer, newId, publishJson, type TaskCommand } from '@baton/shared'
import { launchBrowser } from '../support/browser.js'
import { spawnApi } from './api.js'
import { benchEnv, deploy, noopWorker, percentile, r3, requestRun, spawnCoordinator, stopChild, until, type BenchEnv } from './harness.js'

// `make bench ui`: the web UI in headless Chromium (issue 10), served by `baton api` (the built
// bundle, as deployed) over data a coordinator and a no-op worker produced. For each page: first
// render (the browser's first contentful paint) and interactive (its data on screen: the marker
// element present, recorded in the page by a MutationObserver), median of 3 cold loads in fresh
// tabs; the grid's frame times while it scrolls; and the time from a task's change committed to
// its colour changing on an open run page. The contexts bypass the page's CSP only so the
// measuring probes (waitForFunction evaluates strings) can run; the page itself is unchanged.

type Emit = (line: Record<string, unknown>) => void

/** Records in the page when `selector` first matches (performance.now(), from navigation start). */
function readyProbe(selector: string): string {
  return `(() => {
    const sel = ${JSON.stringify(selector)}
    const check = () => { if (window.__ready === undefined && document.querySelector(sel)) { window.__ready = performance.now(); return true } return false }
    new MutationObserver(() => check()).observe(document, { childList: true, subtree: true, attributes: true })
  })()`
}

/** Cold loads of `path` in fresh tabs: first contentful paint and `selector` present, medians. */
async function loadTimes(browser: Browser, url: string, token: string, selector: string, rounds = 3): Promise<{ first_render_ms: number; interactive_ms: number; rounds: number }> {
  const fcp: number[] = []
  const ready: number[] = []
  for (let i = 0; i < rounds; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true })
    await context.addInitScript(`sessionStorage.setItem('baton.token', ${JSON.stringify(token)})`)
    await context.addInitScript(readyProbe(selector))
    const page = await context.newPage()
    await page.goto(url)
    await page.waitForFunction('window.__ready !== undefined', undefined, { timeout: 120_000, polling: 50 })
    const t = (await page.evaluate(`({ ready: window.__ready, fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN })`)) as { ready: number; fcp: number }
    fcp.push(t.fcp)
    ready.push(t.ready)
    await context.close()
  }
  const med = (xs: number[]) => r3(percentile([...xs].sort((a, b) => a - b), 50))
  return { first_render_ms: med(fcp), interactive_ms: med(ready), rounds }
}

/** Frame intervals while the grid scrolls down and right for ~2 s (wheel events, as a user). */
async function scrollFrames(page: Page): Promise<{ frames: number; p50_frame_ms: number; p95_frame_ms: number; long_frames_over_50ms: number }> {
  const grid = page.locator('[data-testid=run-grid]')
  const box = (await grid.boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  await page.evaluate(`(() => { window.__frames = []; let last = performance.now(); const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__frames.length < 100000) window.__raf = requestAnimationFrame(tick) }; window.__raf = requestAnimationFrame(tick) })()`)
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(i % 2 === 0 ? 0 : 400, i % 2 === 0 ? 300 : 0)
    await page.waitForTimeout(50)
  }
  const frames = ((await page.evaluate('(() => { cancelAnimationFrame(window.__raf); return window.__frames.slice(1) })()')) as number[]).sort((a, b) => a - b)
  return { frames: frames.length, p50_frame_ms: r3(percentile(frames, 50)), p95_frame_ms: r3(percentile(frames, 95)), long_frames_over_50ms: frames.filter((f) => f > 50).length }
}

/** A workflow of `layers` × `width` tasks, each after two of the layer before: a real DAG to lay out. */
function layeredWorkflow(name: string, layers: number, width: number, queue: string) {
  const tasks: Record<string, { queue: string; after?: string[] }> = {}
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < width; i++) tasks[`l${l}_${i}`] = { queue, ...(l > 0 ? { after: [...new Set([`l${l - 1}_${i}`, `l${l - 1}_${(i + 1) % width}`])] } : {}) }
  }
  return { name, tasks }
}

/** Commit → colour: tasks of an open run page completed one by one; each change's latency. */
async function liveLatency(env: BenchEnv, browser: Browser, url: string, token: string, tasks: number): Promise<{ commit_to_colour: number[]; report_to_colour: number[] }> {
  await deploy(env, { name: 'live', tasks: Object.fromEntries(Array.from({ length: tasks }, (_, i) => [`t${i}`, { queue: 'held' }])) })
  const durable = env.subjects.workerConsumer('held')
  await ensureConsumer(env.jsm, env.subjects.commandsStream, durable, env.subjects.command('held'))
  const messages = await (await env.js.consumers.get(env.subjects.commandsStream, durable)).consume({ max_messages: 100 })
  const held: TaskCommand[] = []
  const consuming = (async () => {
    for await (const m of messages) {
      held.push(decodeJson(m.data) as TaskCommand)
      m.ack()
    }
  })()
  await requestRun(env, 'live')
  await until(() => held.length === tasks, 60_000, 'the live run’s commands')
  const runId = held[0]!.runId
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true })
  await context.addInitScript(`sessionStorage.setItem('baton.token', ${JSON.stringify(token)})`)
  const page = await context.newPage()
  await page.goto(`${url}/ui/runs/${runId}`)
  await page.waitForSelector('[data-testid=dag] [data-task=t0]', { timeout: 60_000 })
  await page.waitForTimeout(1500) // the event stream connected
  // Date.now() in the page and here read the same machine clock.
  await page.evaluate(`(() => { window.__seen = {}; new MutationObserver((ms) => { for (const m of ms) { const el = m.target; if (el.dataset && el.dataset.task && el.dataset.status === 'succeeded' && !window.__seen[el.dataset.task]) window.__seen[el.dataset.task] = Date.now() } }).observe(document.querySelector('[data-testid=dag]'), { subtree: true, attributes: true, attributeFilter: ['data-status'] }) })()`)
  const reported = new Map<string, number>()
  for (const cmd of held) {
    const base = { runId: cmd.runId, taskId: cmd.taskId, attempt: cmd.attempt, workerId: 'bench' }
    const startedId = newId()
    await publishJson(env.js, env.subjects.task(runId), startedId, { id: startedId, ...base, type: 'started' })
    const id = newId()
    reported.set(cmd.taskId, Date.now())
    await publishJson(env.js, env.subjects.task(runId), id, { id, ...base, type: 'succeeded', output: null })
    await page.waitForFunction(`window.__seen[${JSON.stringify(cmd.taskId)}] !== undefined`, undefined, { timeout: 30_000, polling: 20 })
    await page.waitForTimeout(150)
  }
  const seen = (await page.evaluate('window.__seen')) as Record<string, number>
  const commits = await env.db.selectFrom('history').select(['task_id', 'at']).where('run_id', '=', runId).where('to_status', '=', 'succeeded').where('task_id', 'is not', null).execute()
  const commitAt = new Map(commits.map((c) => [c.task_id!, new Date(c.at).getTime()]))
  await context.close()
  messages.stop()
  await consuming
  const keys = [...reported.keys()]
  return { commit_to_colour: keys.map((k) => seen[k]! - commitAt.get(k)!), report_to_colour: keys.map((k) => seen[k]! - reported.get(k)!) }
}

/** The UI benchmark. */
export async function uiBench(emit: Emit, n: (x: number) => number): Promise<void> {
  const env = await benchEnv('ui')
  const children: ChildProcess[] = []
  let browser: Browser | undefined
  try {
    const workflows = n(200)
    for (let i = 0; i < workflows; i++) {
      const name = `wf_${String(i).padStart(3, '0')}`
      await deploy(env, { name, owner: `team_${i % 7}`, ...(i % 3 === 0 ? { schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris' } } : {}), tasks: { extract: { queue: 'bench' }, load: { queue: 'bench', after: ['extract'] } } })
    }
    const gridRuns = n(500)
    await deploy(env, layeredWorkflow('grid100', 10, 10, 'bench'))
    const dagTasks = n(2000)
    await deploy(env, layeredWorkflow('dag2000', Math.max(1, Math.round(dagTasks / 100)), Math.min(100, dagTasks), 'bench'))
    const worker = await noopWorker(env, 'bench')
    children.push(spawnCoordinator(env))
    let t = performance.now()
    for (let i = 0; i < gridRuns; i++) await requestRun(env, 'grid100')
    await requestRun(env, 'dag2000')
    const countDone = async () => Number((await env.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirst())?.n)
    await until(async () => (await countDone()) === gridRuns + 1, 900_000, 'the grid and DAG runs')
    emit({ bench: 'ui_setup', workflows, grid_runs: gridRuns, grid_tasks_per_run: 100, dag_tasks: dagTasks, seconds: r3((performance.now() - t) / 1000), note: 'run to completion by a coordinator and a no-op worker' })
    await worker.stop()
    const dagRun = (await env.db.selectFrom('runs').select('id').where('workflow', '=', 'dag2000').executeTakeFirstOrThrow()).id

    const token = (await createApiToken(env.db, { name: 'bench', grants: [{ role: 'admin' }], expiresAt: null, createdBy: 'bench' })).secret
    const api = await spawnApi(env)
    children.push(api.child)
    browser = await launchBrowser()

    emit({ bench: 'ui_workflows_page', workflows, ...(await loadTimes(browser, `${api.url}/ui/workflows`, token, 'a[href="/ui/workflows/wf_000"]')) })
    emit({ bench: 'ui_run_grid', runs: gridRuns, tasks: 100, ...(await loadTimes(browser, `${api.url}/ui/workflows/grid100?tab=grid&limit=${gridRuns}`, token, '[data-testid=run-grid] [data-status]')) })
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true })
    await context.addInitScript(`sessionStorage.setItem('baton.token', ${JSON.stringify(token)})`)
    const page = await context.newPage()
    await page.goto(`${api.url}/ui/workflows/grid100?tab=grid&limit=${gridRuns}`)
    await page.waitForSelector('[data-testid=run-grid] [data-status]', { timeout: 120_000 })
    emit({ bench: 'ui_run_grid_scroll', runs: gridRuns, tasks: 100, ...(await scrollFrames(page)), note: 'requestAnimationFrame intervals while wheel-scrolling (60 Hz: ~16.7 ms)' })
    await context.close()
    emit({ bench: 'ui_run_page_dag', tasks: dagTasks, ...(await loadTimes(browser, `${api.url}/ui/runs/${dagRun}`, token, '[data-testid=dag] [data-task]')), note: 'interactive: ELK layout done in its worker and the visible nodes drawn' })

    const live = await liveLatency(env, browser, api.url, token, n(20))
    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b)
      return { p50_ms: r3(percentile(s, 50)), p99_ms: r3(percentile(s, 99)), max_ms: r3(s.at(-1)!) }
    }
    emit({ bench: 'ui_live_colour', samples: live.commit_to_colour.length, commit_to_colour: stat(live.commit_to_colour), worker_report_to_colour: stat(live.report_to_colour), note: "commit: the history row's time (the coordinator's transaction); colour: the node's data-status changed in the page (MutationObserver)" })
  } finally {
    await browser?.close()
    for (const c of children.reverse()) await stopChild(c)
    await env.close()
  }
}
