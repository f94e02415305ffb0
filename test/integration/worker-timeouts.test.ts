import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { startBaton, type BatonProcess } from '../support/processes.js'

// Coordinator-owned timeouts with real worker processes.

let ns: TestNamespace
let coordinator: Coordinator
const procs: BatonProcess[] = []
const HANDLERS = new URL('./fixtures/timeout-handlers.ts', import.meta.url).pathname

before(async () => {
  ns = await createTestNamespace('timeouts')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
})
after(async () => {
  for (const p of procs) await p.kill()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

function worker(queue: string): BatonProcess {
  const p = startBaton(['worker', '--queue', queue, '--handlers', HANDLERS], ns.env)
  procs.push(p)
  return p
}

test('a worker killed with SIGKILL mid-task: the heartbeat timeout fails the attempt and another worker retries it', async () => {
  await deploy(ns, { name: 'hb', tasks: { stuck: { queue: 'hb', timeout: { heartbeat: '2s' }, retry: { attempts: 2, backoff: '100ms', jitter: false } } } })
  const first = worker('hb')
  const runId = await trigger(ns, 'hb')
  const running = await eventually(
    async () => ns.db.selectFrom('task_states').select(['status', 'worker_id']).where('run_id', '=', runId).where('task_id', '=', 'stuck').where('status', '=', 'running').executeTakeFirst(),
    'attempt 1 running',
    30_000,
  )
  await first.kill('SIGKILL')
  const second = worker('hb')
  const run = await waitForRun(ns, runId, 60_000)
  assert.equal(run.status, 'succeeded')
  const task = run.tasks[0]!
  assert.equal(task.attempts, 2)
  assert.notEqual(task.workerId, running.worker_id, 'retried on another worker')
  const attempts = await ns.db.selectFrom('task_attempts').select(['attempt', 'status', 'error']).where('run_id', '=', runId).orderBy('attempt').execute()
  assert.equal(attempts[0]!.status, 'failed')
  assert.equal((attempts[0]!.error as { kind: string }).kind, 'heartbeat_timeout')
  assert.equal(attempts[1]!.status, 'succeeded')
  await second.kill('SIGTERM')
})

test('an attempt that outlives its execution timeout is failed by the coordinator and the worker told to abort', async () => {
  await deploy(ns, { name: 'exec', tasks: { hang: { queue: 'hang', timeout: { execution: '1s', heartbeat: '30s' } } } })
  const scripted = await startScriptedWorker(ns, 'hang', () => ({ hang: true }))
  const aborts: { runId: string; reason: string }[] = []
  const sub = ns.nc.subscribe(ns.subjects.abort, { callback: (_e, m) => void aborts.push(m.json()) })
  const runId = await trigger(ns, 'exec')
  const run = await waitForRun(ns, runId, 30_000)
  assert.equal(run.status, 'failed')
  assert.equal((run.tasks[0]!.error as { kind: string }).kind, 'execution_timeout')
  await eventually(() => aborts.some((a) => a.runId === runId), 'abort notice for the timed-out attempt')
  sub.unsubscribe()
  await scripted.stop()
})

test('a queued task nobody starts fails on its schedule-to-start timeout', async () => {
  await deploy(ns, { name: 'nostart', tasks: { orphan: { queue: 'nobody_listens', timeout: { scheduleToStart: '500ms' } } } })
  const run = await waitForRun(ns, await trigger(ns, 'nostart'), 30_000)
  assert.equal(run.status, 'failed')
  assert.equal((run.tasks[0]!.error as { kind: string }).kind, 'schedule_to_start_timeout')
})
