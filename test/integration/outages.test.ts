import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker } from '@baton/worker'
import { createLogger } from '@baton/shared'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, duplicateTransitions, trigger, waitForRun } from '../support/runs.js'
import type { ChildProcess } from 'node:child_process'
import { freePort, startNats, stopProcess } from '../support/private-nats.js'

// Brief outages of the real servers: Postgres connections killed under a live coordinator, and a
// private nats-server (its own port and store, so other test files are untouched) stopped and
// restarted mid-run.




test('Postgres connections killed under a live coordinator: runs still finish, nothing doubled', async () => {
  const ns = await createTestNamespace('pgdrop')
  const coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  const worker = await startScriptedWorker(ns, 'drop', () => ({ succeed: 1, delayMs: 30 }))
  try {
    const tasks: Record<string, { after?: string[]; queue: string }> = {}
    for (let i = 0; i < 20; i++) tasks[`t${i}`] = { queue: 'drop', ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }
    await deploy(ns, { name: 'drop', tasks })
    const runId = await trigger(ns, 'drop')
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 150))
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${`baton-coordinator:${ns.config.namespace}`}`.execute(ns.db)
    }
    const run = await waitForRun(ns, runId, 60_000)
    assert.equal(run.status, 'succeeded')
    assert.equal(worker.executions.filter((e) => e.runId === runId).length, 20)
  } finally {
    await worker.stop()
    await coordinator.stop()
    await ns.close()
  }
})

let natsPort: number
let storeDir: string
let nats: ChildProcess
let ns: TestNamespace
let coordinator: Coordinator

before(async () => {
  natsPort = await freePort()
  storeDir = mkdtempSync(join(tmpdir(), 'baton-nats-'))
  nats = startNats(natsPort, storeDir)
  process.env.BATON_NATS_URL_OUTAGE = `nats://127.0.0.1:${natsPort}`
  await eventually(async () => {
    const { connect } = await import('@nats-io/transport-node')
    const nc = await connect({ servers: `127.0.0.1:${natsPort}` })
    await nc.close()
    return true
  }, 'private nats-server up')
})
after(async () => {
  await coordinator?.stop()
  await ns?.close()
  await stopProcess(nats)
  rmSync(storeDir, { recursive: true, force: true })
})

test('NATS stopped and restarted mid-run: the run resumes and finishes with every task once', async () => {
  const saved = process.env.BATON_NATS_URL
  process.env.BATON_NATS_URL = `nats://127.0.0.1:${natsPort}`
  try {
    ns = await createTestNamespace('natsdown')
  } finally {
    if (saved === undefined) delete process.env.BATON_NATS_URL
    else process.env.BATON_NATS_URL = saved
  }
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  // The real worker SDK: it retries publishing results until NATS is back.
  const executed: string[] = []
  const worker = await startWorker({
    queue: 'nd',
    config: ns.config,
    logger: createLogger({ level: 'silent' }),
    handlers: {
      async step(ctx) {
        executed.push(`${ctx.taskId}/${ctx.attempt}`)
        await new Promise((r) => setTimeout(r, 50))
        return 1
      },
    },
  })
  const tasks: Record<string, { after?: string[]; queue: string; handler: string }> = {}
  for (let i = 0; i < 15; i++) tasks[`t${i}`] = { queue: 'nd', handler: 'step', ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }
  await deploy(ns, { name: 'nd', tasks })
  const runId = await trigger(ns, 'nd')
  await eventually(async () => ((await ns.db.selectFrom('runs').select('tasks_terminal').where('id', '=', runId).executeTakeFirst())?.tasks_terminal ?? 0) >= 4, 'some progress')
  await stopProcess(nats)
  await new Promise((r) => setTimeout(r, 1000))
  nats = startNats(natsPort, storeDir)
  const run = await waitForRun(ns, runId, 90_000)
  assert.equal(run.status, 'succeeded')
  // A NATS killed without syncing may redeliver a command whose ack it lost (at-least-once);
  // the coordinator applies each attempt's result once and every task needed one attempt.
  assert.ok(run.tasks.every((t) => t.status === 'succeeded' && t.attempts === 1))
  const dupes = await duplicateTransitions(ns.db, runId)
  assert.deepEqual(dupes, [])
  assert.ok(executed.length >= 15)
  await worker.stop()
})
