import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { startCoordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { createLogger, RetryAbortedError, UnavailableError, ValidationError, type BatonConfig } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort, startNats, stopProcess } from '../support/private-nats.js'
import { startBaton, startCoordinatorProcess, type BatonProcess } from '../support/processes.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker } from '../support/scripted-worker.js'

// Services started while NATS or Postgres is down (or not up yet) retry with backoff, log each
// failure at warn, and report `started` only once connected (docs/operations.md, "What happens
// when something fails"). NATS is a private nats-server stopped and started by the test;
// Postgres, which a test cannot stop, is reached through a TCP proxy the test opens and closes.

const procs: BatonProcess[] = []
let ns: TestNamespace

before(async () => {
  ns = await createTestNamespace('startup')
})
after(async () => {
  for (const p of procs) await p.kill()
  await ns.close()
  await assertNoLeaks()
})

/**
 * A TCP proxy in front of Postgres on its own port: `closed` (nothing listens: connection
 * refused), `reset` (accepts, then closes at once: a server going down or not ready) or `forward`.
 */
interface TcpProxy {
  readonly port: number
  setMode(mode: 'closed' | 'reset' | 'forward'): Promise<void>
  close(): Promise<void>
}

async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let mode: 'closed' | 'reset' | 'forward' = 'closed'
  let server: Server | undefined
  const track = (s: Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy())
  }
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy()
    if (server) await new Promise((r) => server!.close(r))
    server = undefined
  }
  return {
    port,
    async setMode(next) {
      mode = next
      if (next === 'closed') return stop()
      if (server) return
      server = createServer((client) => {
        track(client)
        if (mode === 'reset') return void client.destroy()
        const upstream = tcpConnect(target.port, target.host)
        track(upstream)
        client.pipe(upstream).pipe(client)
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r))
    },
    close: stop,
  }
}

/** The database URL with its host and port replaced (same user, password and database). */
function viaPort(databaseUrl: string, port: number): string {
  const u = new URL(databaseUrl)
  u.hostname = '127.0.0.1'
  u.port = String(port)
  return u.toString()
}

/** A pino destination that keeps what is written. */
function capturedLog(): { stream: Writable; text(): string } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  })
  return { stream, text: () => text }
}

async function waitForOutput(p: BatonProcess, text: string | RegExp, what: string): Promise<void> {
  const has = (): boolean => (typeof text === 'string' ? p.output().includes(text) : text.test(p.output()))
  await eventually(() => has() || p.child.exitCode !== null || p.child.signalCode !== null, what, 60_000)
  assert.ok(has(), `exited before ${what} (${String(p.child.exitCode ?? p.child.signalCode)}):\n${p.output()}`)
}

/** The exit code after SIGTERM, or 'timeout'. */
async function terminate(p: BatonProcess, timeoutMs = 15_000): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined
  p.child.kill('SIGTERM')
  const result = await Promise.race([p.exited, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))])
  clearTimeout(timer)
  return result
}

/** Creates a namespace whose NATS is the private server at `url`. */
async function namespaceOn(natsUrl: string, label: string): Promise<TestNamespace> {
  const saved = process.env.BATON_NATS_URL
  process.env.BATON_NATS_URL = natsUrl
  try {
    return await createTestNamespace(label)
  } finally {
    if (saved === undefined) delete process.env.BATON_NATS_URL
    else process.env.BATON_NATS_URL = saved
  }
}

async function natsUp(port: number): Promise<void> {
  await eventually(async () => {
    const { connect } = await import('@nats-io/transport-node')
    const nc = await connect({ servers: `127.0.0.1:${port}` })
    await nc.close()
    return true
  }, 'private nats-server up')
}

test('a coordinator process and a worker started while NATS is down keep retrying, start once it is up, and run a workflow', async () => {
  const natsPort = await freePort()
  const storeDir = mkdtempSync(join(tmpdir(), 'baton-nats-'))
  const natsUrl = `nats://127.0.0.1:${natsPort}`
  let nats: ChildProcess = startNats(natsPort, storeDir)
  let natsNs: TestNamespace | undefined
  let worker: Worker | undefined
  let coordinator: BatonProcess | undefined
  try {
    await natsUp(natsPort)
    natsNs = await namespaceOn(natsUrl, 'startnats')
    await deploy(natsNs, { name: 'sr_nats', tasks: { a: { queue: 'sr_nats' }, b: { after: ['a'], queue: 'sr_nats' } } })
    await stopProcess(nats)

    coordinator = startCoordinatorProcess({ ...natsNs.env, BATON_LOG_LEVEL: 'info' }, procs)
    const workerLog = capturedLog()
    const executed: string[] = []
    const starting = startWorker({
      queue: 'sr_nats',
      config: natsNs.config,
      logger: createLogger({ level: 'info', destination: workerLog.stream }),
      handlers: {
        a: async () => (executed.push('a'), 1),
        b: async () => (executed.push('b'), 2),
      },
    })
    void starting.catch(() => {})

    await waitForOutput(coordinator, `cannot reach NATS at ${natsUrl}`, 'the coordinator to report NATS unreachable')
    await eventually(() => workerLog.text().includes(`cannot reach NATS at ${natsUrl}`), 'the worker to report NATS unreachable')
    // Several attempts, each logged once at warn, and neither has reported started.
    await eventually(() => (coordinator!.output().match(/cannot reach NATS at/g) ?? []).length >= 3, 'three attempts of the coordinator')
    const warn = coordinator.output().split('\n').find((l) => l.includes('cannot reach NATS at'))!
    assert.equal(JSON.parse(warn).level, 40, 'logged at warn')
    assert.equal(JSON.parse(warn).attempt, 1)
    assert.equal(coordinator.child.exitCode, null, 'the coordinator is still running')
    assert.doesNotMatch(coordinator.output(), /coordinator started/)
    assert.doesNotMatch(workerLog.text(), /worker started/)

    nats = startNats(natsPort, storeDir)
    await waitForOutput(coordinator, '"msg":"coordinator started"', 'the coordinator to start')
    worker = await starting
    assert.match(workerLog.text(), /"msg":"worker started"/)

    const runId = await eventually(() => trigger(natsNs!, 'sr_nats'), 'a run to be created')
    const run = await waitForRun(natsNs, runId, 60_000)
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(executed.sort(), ['a', 'b'])
  } finally {
    await worker?.stop()
    await coordinator?.kill()
    await natsNs?.close()
    await stopProcess(nats)
    rmSync(storeDir, { recursive: true, force: true })
  }
})

test('a coordinator process started while Postgres is unreachable keeps retrying, starts once it is reachable, and runs a workflow', async () => {
  const pg = new URL(ns.config.databaseUrl)
  const proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) })
  const worker = await startScriptedWorker(ns, 'sr_pg', () => ({ succeed: 1 }))
  try {
    await deploy(ns, { name: 'sr_pg', tasks: { a: { queue: 'sr_pg' }, b: { after: ['a'], queue: 'sr_pg' } } })
    const coordinator = startCoordinatorProcess({ ...ns.env, BATON_LOG_LEVEL: 'info', BATON_DATABASE_URL: viaPort(ns.config.databaseUrl, proxy.port) }, procs)
    // Nothing listening (connection refused), then a server that accepts and hangs up, then Postgres.
    await waitForOutput(coordinator, /cannot reach Postgres at postgres:.*ECONNREFUSED/, 'the coordinator to report Postgres refused')
    await proxy.setMode('reset')
    const before = (coordinator.output().match(/cannot reach Postgres at/g) ?? []).length
    await eventually(() => (coordinator.output().match(/cannot reach Postgres at/g) ?? []).length > before, 'an attempt against a server that hangs up')
    assert.equal(coordinator.child.exitCode, null)
    assert.doesNotMatch(coordinator.output(), /coordinator started/)
    if (pg.password) assert.ok(!coordinator.output().includes(pg.password), 'no password in the log')

    await proxy.setMode('forward')
    await waitForOutput(coordinator, '"msg":"coordinator started"', 'the coordinator to start')
    const runId = await trigger(ns, 'sr_pg')
    const run = await waitForRun(ns, runId, 60_000)
    assert.equal(run.status, 'succeeded')
    await coordinator.kill()
  } finally {
    await worker.stop()
    await proxy.close()
  }
})

test('SIGTERM during the start-up retries stops `baton coordinator` and `baton worker` with exit 0', async () => {
  const closed = await freePort()
  const coordinator = startCoordinatorProcess({ ...ns.env, BATON_DATABASE_URL: `postgres://baton:not-a-secret-1@127.0.0.1:${closed}/baton` }, procs)
  const worker = startBaton(['worker', '--queue', 'sr_term', '--queue', 'sr_term2'], { ...ns.env, BATON_NATS_URL: `nats://u:not-a-secret-2@127.0.0.1:${closed}` })
  procs.push(worker)
  await waitForOutput(coordinator, `cannot reach Postgres at postgres://baton:***@127.0.0.1:${closed}/baton`, 'the coordinator to report Postgres unreachable')
  await waitForOutput(worker, `cannot reach NATS at nats://127.0.0.1:${closed}`, 'the worker to report NATS unreachable')
  const [c, w] = await Promise.all([terminate(coordinator), terminate(worker)])
  assert.equal(c, 0, coordinator.output())
  assert.equal(w, 0, worker.output())
  assert.match(coordinator.output(), /SIGTERM: stopping coordinator \(it had not started/)
  assert.match(worker.output(), /SIGTERM: stopping workers \(it had not started/)
  for (const p of [coordinator, worker]) {
    assert.doesNotMatch(p.output(), /not-a-secret/)
    assert.doesNotMatch(p.output(), /"level":50|error:/, 'no error reported')
  }
})

test('startupTimeoutMs bounds the retries, the signal ends them, and bad options are never retried', async () => {
  const closed = await freePort()
  const noNats: BatonConfig = { ...ns.config, natsUrl: `nats://127.0.0.1:${closed}` }
  const noPostgres: BatonConfig = { ...ns.config, databaseUrl: `postgres://baton@127.0.0.1:${closed}/baton` }
  const silent = createLogger({ level: 'silent' })

  await assert.rejects(
    startWorker({ queue: 'sr_bound', config: noNats, logger: silent, startupTimeoutMs: 700 }),
    (e) => e instanceof UnavailableError && new RegExp(`^gave up on NATS at nats://127\\.0\\.0\\.1:${closed} after [2-9]\\d* attempts`).test((e as Error).message),
  )
  await assert.rejects(
    startCoordinator({ config: noPostgres, logger: silent, startupTimeoutMs: 700 }),
    (e) => e instanceof UnavailableError && /^gave up on Postgres at postgres:\/\/baton@127\.0\.0\.1:\d+\/baton after/.test((e as Error).message),
  )
  const t0 = Date.now()
  await assert.rejects(startCoordinator({ config: noPostgres, logger: silent, signal: AbortSignal.timeout(300) }), RetryAbortedError)
  await assert.rejects(startWorker({ queue: 'sr_bound', config: noNats, logger: silent, signal: AbortSignal.timeout(300) }), RetryAbortedError)
  assert.ok(Date.now() - t0 < 5000, 'aborted promptly')
  // Bad options and bad config are ValidationErrors, reported at once, never retried.
  await assert.rejects(startWorker({ queue: 'sr_bound', config: noNats, logger: silent, startupTimeoutMs: -1 }), ValidationError)
  await assert.rejects(startCoordinator({ config: noPostgres, logger: silent, startupTimeoutMs: Number.NaN }), ValidationError)
})
