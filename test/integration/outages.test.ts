import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { startWorker, type Worker } from '@baton/worker'
import { createLogger } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, duplicateTransitions, executionsPerTask, oncePerTask, trigger, waitForRun } from '../support/runs.js'
import type { ChildProcess } from 'node:child_process'
import { freePort, startNats, stopProcess } from '../support/private-nats.js'

// Brief outages of the real servers: Postgres connections killed under a live coordinator, and a
// private nats-server (its own port and store, so other test files are untouched) stopped and
// restarted mid-run.

/** A chain of `n` tasks t0 → t1 → … on one queue. */
function chain(n: number, queue: string, extra: { handler?: string } = {}): Record<string, { after?: string[]; queue: string; handler?: string }> {
  const tasks: Record<string, { after?: string[]; queue: string; handler?: string }> = {}
  for (let i = 0; i < n; i++) tasks[`t${i}`] = { queue, ...extra, ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }
  return tasks
}

async function tasksDone(ns: TestNamespace, runId: string): Promise<number> {
  return (await ns.db.selectFrom('runs').select('tasks_terminal').where('id', '=', runId).executeTakeFirstOrThrow()).tasks_terminal
}

test('Postgres connections killed under a live coordinator: runs still finish, nothing doubled', async (t) => {
  const ns = await createTestNamespace('pgdrop')
  const coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  const worker = await startScriptedWorker(ns, 'drop', () => ({ succeed: 1, delayMs: 30 }))
  t.after(async () => {
    await worker.stop()
    await coordinator.stop()
    await ns.close()
  })
  const taskIds = Object.keys(chain(20, 'drop'))
  await deploy(ns, { name: 'drop', tasks: chain(20, 'drop') })
  const runId = await trigger(ns, 'drop')
  const app = `baton-coordinator:${ns.config.namespace}`
  // Three kills, spread over the run: each terminates every backend the coordinator's pool has
  // then (its pool keeps idle connections and reconnects on demand), and reads in the same
  // statement how far the run was.
  const rounds: { pid: number; terminated: boolean; done: number }[][] = []
  for (const progress of [2, 6, 10]) {
    await eventually(async () => (await tasksDone(ns, runId)) >= progress, `${progress} tasks done`)
    await eventually(
      async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${app}`.execute(ns.db)).rows[0]!.n > 0,
      'a backend of the coordinator to exist',
    )
    const killed = await sql<{ pid: number; terminated: boolean; done: number }>`
      SELECT pid, pg_terminate_backend(pid) AS terminated, (SELECT tasks_terminal FROM runs WHERE id = ${runId}) AS done
      FROM pg_stat_activity WHERE application_name = ${app}`.execute(ns.db)
    rounds.push(killed.rows)
  }
  for (const [i, rows] of rounds.entries()) {
    assert.ok(rows.some((r) => r.terminated === true), `kill ${i + 1} terminated a backend of ${app}: ${JSON.stringify(rows)}`)
  }
  assert.ok(rounds.at(-1)![0]!.done < taskIds.length, `the last kill came while the run was in progress (${rounds.at(-1)![0]!.done} tasks done)`)

  const run = await waitForRun(ns, runId, 60_000)
  assert.equal(run.status, 'succeeded')
  assert.ok(run.tasks.every((x) => x.status === 'succeeded' && x.attempts === 1), JSON.stringify(run.tasks))
  // The scripted worker's ledger: one run, each of its 20 tasks executed exactly once.
  assert.deepEqual(executionsPerTask(worker.executions), oncePerTask(runId, taskIds))
  assert.deepEqual(await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'drop').execute(), [{ id: runId }])
  assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
})

let natsPort: number
let storeDir: string
let nats: ChildProcess
let ns: TestNamespace | undefined
let coordinator: Coordinator | undefined
let worker: Worker | undefined

before(async () => {
  natsPort = await freePort()
  storeDir = mkdtempSync(join(tmpdir(), 'baton-nats-'))
  nats = startNats(natsPort, storeDir)
  await eventually(async () => {
    const { connect } = await import('@nats-io/transport-node')
    const nc = await connect({ servers: `127.0.0.1:${natsPort}` })
    await nc.close()
    return true
  }, 'private nats-server up')
})
after(async () => {
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await stopProcess(nats)
  rmSync(storeDir, { recursive: true, force: true })
  await assertNoLeaks()
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
  // The real worker SDK: it retries publishing results until NATS is back. Its handler keeps a
  // ledger of every execution.
  const executed: { runId: string; taskId: string; attempt: number }[] = []
  worker = await startWorker({
    queue: 'nd',
    config: ns.config,
    logger: createLogger({ level: 'silent' }),
    handlers: {
      async step(ctx) {
        executed.push({ runId: ctx.runId, taskId: ctx.taskId, attempt: ctx.attempt })
        await new Promise((r) => setTimeout(r, 50))
        return 1
      },
    },
  })
  const tasks = chain(15, 'nd', { handler: 'step' })
  await deploy(ns, { name: 'nd', tasks })
  const runId = await trigger(ns, 'nd')
  await eventually(async () => (await tasksDone(ns!, runId)) >= 4, 'some progress')
  await stopProcess(nats)
  // With NATS gone no result can reach the coordinator: the run is stopped mid-way.
  assert.ok((await tasksDone(ns, runId)) < 15, 'NATS stopped before the run finished')
  // The outage: long enough for every client to lose its connection and start reconnecting.
  await new Promise((r) => setTimeout(r, 1000))
  nats = startNats(natsPort, storeDir)
  const run = await waitForRun(ns, runId, 90_000)
  assert.equal(run.status, 'succeeded')
  // A NATS killed without syncing may redeliver a command whose ack it lost (at-least-once): the
  // worker asks the coordinators whose attempt it is before running a redelivered command, and
  // the coordinator applies each attempt's result once. Every task needed one attempt, and the
  // handler ran once per task: exactly the 15 tasks of the one run.
  assert.ok(run.tasks.every((x) => x.status === 'succeeded' && x.attempts === 1), JSON.stringify(run.tasks))
  assert.deepEqual(executionsPerTask(executed), oncePerTask(runId, Object.keys(tasks)))
  assert.deepEqual(await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'nd').execute(), [{ id: runId }])
  assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
})
