import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CrashPoint } from '@baton/shared'
import type { BatonProcess } from '../support/processes.js'
import { deploy, trigger } from '../support/runs.js'
import { assertSettled, diedAt, ignoredEvents, QUEUE, withScenario, type Scenario, type Settled } from './fixtures/crash-points/scenario.js'
import { assertNoLeaks } from '../support/leak-check.js'

// Every scenario stops its processes and closes its namespace itself; nothing may be left.
after(assertNoLeaks)

// One test per worker crash point (shared/src/crash-points.ts; docs/durability.md has the table).
// Each scenario runs `baton coordinator` and `baton worker` as child processes in its own
// namespace, arms the point on the worker only, waits for it to die there, starts a worker
// without it and checks that the run finishes with nothing lost, doubled or stuck. Handler
// executions are counted by a ledger the fixture handlers append to.

/** Heartbeat timeout of the chain's tasks: a dead worker's attempt fails this soon. */
const HEARTBEAT = '2s'
const RETRY = { attempts: 2, backoff: '200ms', jitter: false } as const

/** a → b → c, each retried once, with a short heartbeat timeout. */
const CHAIN = {
  a: { queue: QUEUE, handler: 'step', timeout: { heartbeat: HEARTBEAT }, retry: RETRY },
  b: { after: ['a'], queue: QUEUE, handler: 'step', timeout: { heartbeat: HEARTBEAT }, retry: RETRY },
  c: { after: ['b'], queue: QUEUE, handler: 'step', timeout: { heartbeat: HEARTBEAT }, retry: RETRY },
}

/** The chain finished after attempt 1 of `a` was lost with its worker and attempt 2 succeeded. */
function aRetried(executions: Record<string, number>): Settled {
  return {
    run: 'succeeded',
    tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' },
    attempts: { 'a/1': 'failed', 'a/2': 'succeeded', 'b/1': 'succeeded', 'c/1': 'succeeded' },
    executions,
    commands: 4,
  }
}

/** Starts the chain under a worker armed with `point`, waits for its death, starts a clean worker. */
async function crashWorker(s: Scenario, point: CrashPoint): Promise<{ runId: string; armed: BatonProcess }> {
  await deploy(s.ns, { name: 'chain', tasks: CHAIN })
  const armed = s.worker({ crash: point })
  await s.ready(s.coordinator(), armed)
  const runId = await trigger(s.ns, 'chain')
  await diedAt(armed, point)
  s.worker()
  return { runId, armed }
}

/** Attempt 1 of `a` was failed by the coordinator's heartbeat timeout, 2 s after it started (well before any 30 s ack wait). */
async function assertHeartbeatTimeout(s: Scenario, runId: string): Promise<void> {
  const a1 = await s.ns.db.selectFrom('task_attempts').select(['error', 'started_at', 'finished_at']).where('run_id', '=', runId).where('task_id', '=', 'a').where('attempt', '=', 1).executeTakeFirstOrThrow()
  assert.equal((a1.error as { kind: string }).kind, 'heartbeat_timeout')
  const ms = new Date(a1.finished_at!).getTime() - new Date(a1.started_at!).getTime()
  assert.ok(ms >= 2000 && ms < 15_000, `attempt 1 failed ${ms} ms after it started`)
}

/**
 * The redelivered command's `started` (attempt 1) was recorded as ignored, once: usually after the
 * run finished; on a loaded machine, where the new worker starts late, it may get the redelivered
 * command while attempt 2 is still queued — stale either way.
 */
async function assertOneStaleStart(s: Scenario, runId: string): Promise<void> {
  const ignored = await ignoredEvents(s.ns, runId)
  assert.equal(ignored.length, 1, `one ignored event: ${ignored.join('; ')}`)
  assert.match(ignored[0]!, /run is succeeded|stale attempt 1 \(current 2, (queued|running)\)/)
}

describe('worker crash points', { concurrency: true }, () => {
  test('worker.after-started: the heartbeat timeout (2 s) fails attempt 1 and attempt 2 runs; the unacked command comes back after the 30 s ack wait, its stale start is ignored and the ownership check drops it: a runs 1 time (attempt 2)', () =>
    withScenario('w_after_started', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterStarted)
      // Attempt 1's command was never acked: JetStream hands it to the new worker after its 30 s
      // ack wait — long after the heartbeat timeout moved the task on.
      await assertSettled(s, runId, aRetried({ 'a/2': 1, 'b/1': 1, 'c/1': 1 }), { drainMs: 45_000 })
      await assertHeartbeatTimeout(s, runId)
      await assertOneStaleStart(s, runId)
      s.assertOthersAlive(armed)
    }))

  test('worker.before-handler: the handler never ran; the heartbeat timeout (2 s) retries it; the ack was still in the dead process\'s buffer, so the command also comes back after 30 s and is dropped: a runs 1 time (attempt 2)', () =>
    withScenario('w_before_handler', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerBeforeHandler)
      // `msg.ack()` only queues the frame; nats.js writes it on a later tick, which never comes
      // (the path from the ack to this point is synchronous): the command comes back after 30 s.
      await assertSettled(s, runId, aRetried({ 'a/2': 1, 'b/1': 1, 'c/1': 1 }), { drainMs: 45_000 })
      await assertHeartbeatTimeout(s, runId)
      await assertOneStaleStart(s, runId)
      s.assertOthersAlive(armed)
    }))

  test('worker.after-handler: the handler ran, its result died with the worker; the heartbeat timeout (2 s) retries it: a runs 2 times', () =>
    withScenario('w_after_handler', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterHandler)
      await assertSettled(s, runId, aRetried({ 'a/1': 1, 'a/2': 1, 'b/1': 1, 'c/1': 1 }))
      await assertHeartbeatTimeout(s, runId)
      assert.deepEqual(await ignoredEvents(s.ns, runId), [])
      s.assertOthersAlive(armed)
    }))

  test('worker.after-result: the result was stored before the crash; nothing is retried: each task runs 1 time', () =>
    withScenario('w_after_result', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterResult)
      await assertSettled(s, runId, {
        run: 'succeeded',
        tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' },
        attempts: { 'a/1': 'succeeded', 'b/1': 'succeeded', 'c/1': 'succeeded' },
        executions: { 'a/1': 1, 'b/1': 1, 'c/1': 1 },
        commands: 3,
      })
      assert.deepEqual(await ignoredEvents(s.ns, runId), [])
      s.assertOthersAlive(armed)
    }))
})
