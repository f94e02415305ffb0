import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort, PrivateNats } from '../support/private-nats.js'
import { startBaton, stopGracefully, type BatonProcess } from '../support/processes.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// The probes Kubernetes and compose use (deploy/): `baton coordinator` and `baton worker`, run as
// they are in a pod, answer /healthz and /readyz on their metrics port. Their NATS (a private
// nats-server) is stopped and started under them: readiness follows it, liveness does not.

let nats: PrivateNats
let ns: TestNamespace
const processes: BatonProcess[] = []
let coordinatorUrl: string
let workerUrl: string

before(async () => {
  nats = await PrivateNats.start()
  ns = await eventually(() => createTestNamespace('health_probes', { natsUrl: nats.url }).catch(() => undefined), 'private nats-server up')
  const [cPort, wPort] = [await freePort(), await freePort()]
  coordinatorUrl = `http://127.0.0.1:${cPort}`
  workerUrl = `http://127.0.0.1:${wPort}`
  processes.push(startBaton(['coordinator'], { ...ns.env, BATON_METRICS_PORT: String(cPort) }))
  processes.push(startBaton(['worker', '--queue', 'probed'], { ...ns.env, BATON_METRICS_PORT: String(wPort) }))
})
after(async () => {
  for (const p of processes) await p.kill('SIGKILL')
  await ns?.close()
  await nats?.dispose()
  await assertNoLeaks()
})

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() }
}

/** Waits for `url` to answer `status` (the process may still be starting). */
function answers(url: string, status: number): Promise<{ status: number; body: any }> {
  return eventually(async () => {
    const r = await get(url).catch(() => undefined)
    return r?.status === status ? r : undefined
  }, `${url} to answer ${status}`, 30_000)
}

test('a started coordinator and worker are live and ready, each naming what it checked', async () => {
  const c = await answers(`${coordinatorUrl}/readyz`, 200)
  assert.deepEqual(c.body, { status: 'ready', checks: { 'coordinator.postgres': { ok: true }, 'coordinator.nats': { ok: true }, 'coordinator.events': { ok: true } } })
  const w = await answers(`${workerUrl}/readyz`, 200)
  assert.deepEqual(w.body, { status: 'ready', checks: { 'worker.probed': { ok: true } } })
  assert.deepEqual(await get(`${coordinatorUrl}/healthz`), { status: 200, body: { status: 'ok', checks: { 'coordinator.events': { ok: true } } } })
  assert.deepEqual(await get(`${workerUrl}/healthz`), { status: 200, body: { status: 'ok', checks: {} } })
  for (const url of [coordinatorUrl, workerUrl]) {
    const metrics = await fetch(`${url}/metrics`)
    assert.equal(metrics.status, 200, 'the same port still serves /metrics')
    assert.match(await metrics.text(), /^target_info\{.*service_name="baton-(coordinator|worker)"/m)
    // Node.js's runtime metrics, from the bundled `baton` as users run it. The event-loop delay
    // is reported once 5 samples (100 ms) have been taken since the previous scrape.
    const families = ['nodejs_eventloop_delay_p99', 'nodejs_eventloop_utilization', 'v8js_memory_heap_used']
    await eventually(async () => {
      const text = await (await fetch(`${url}/metrics`)).text()
      return families.every((f) => new RegExp(`^${f}[{ ]`, 'm').test(text))
    }, `${url} to export ${families.join(', ')}`)
  }
})

test('the endpoint refuses other paths and methods with a line saying what it serves', async () => {
  const missing = await get(`${coordinatorUrl}/nope`)
  assert.equal(missing.status, 404)
  assert.match(missing.body.error, /\/metrics, \/healthz and \/readyz/)
  const post = await fetch(`${coordinatorUrl}/readyz`, { method: 'POST' })
  assert.equal(post.status, 405)
})

test('NATS down: both processes turn unready naming the NATS check, stay live; NATS back: ready again', async () => {
  await nats.stop()
  const c = await answers(`${coordinatorUrl}/readyz`, 503)
  assert.equal(c.body.status, 'not_ready')
  assert.equal(c.body.checks['coordinator.nats'].ok, false, JSON.stringify(c.body))
  assert.deepEqual(c.body.checks['coordinator.postgres'], { ok: true }, 'Postgres is still up')
  const w = await answers(`${workerUrl}/readyz`, 503)
  assert.equal(w.body.checks['worker.probed'].ok, false, JSON.stringify(w.body))
  // Liveness never depends on a server: restarting pods would not bring NATS back.
  assert.equal((await get(`${coordinatorUrl}/healthz`)).status, 200)
  assert.equal((await get(`${workerUrl}/healthz`)).status, 200)

  nats.restart()
  await answers(`${coordinatorUrl}/readyz`, 200)
  await answers(`${workerUrl}/readyz`, 200)
})

test('a stopping worker is unready while its running task finishes, then exits and its endpoint is gone', async () => {
  const worker = processes[1]!
  await answers(`${workerUrl}/readyz`, 200)
  await deploy(ns, { name: 'probed_wf', tasks: { slow: { queue: 'probed', run: { sh: 'sleep 2; echo done' } } } })
  const runId = await trigger(ns, 'probed_wf')
  await eventually(async () => {
    const t = await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).where('task_id', '=', 'slow').executeTakeFirst()
    return t?.status === 'running'
  }, 'the task to be running on the worker')
  const exited = stopGracefully(worker)
  const draining = await answers(`${workerUrl}/readyz`, 503)
  assert.deepEqual(draining.body, { status: 'not_ready', checks: {} }, 'its check is removed first: nothing in it takes work')
  await exited
  assert.equal(await worker.exited, 0, worker.output())
  assert.equal((await waitForRun(ns, runId)).status, 'succeeded', 'the task it held finished before it stopped')
  await assert.rejects(fetch(`${workerUrl}/readyz`), 'the endpoint closed with the worker')
})
