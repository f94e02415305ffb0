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

/**
 * When the workers publish `started`: `reported` before the handler runs (BATON_STARTED_AFTER_MS=0),
 * `deferred` 50 ms into it, so the chain's instant handlers send their results alone.
 */
type StartMode = 'reported' | 'deferred'
const START_ENV: Record<StartMode, Record<string, string>> = { reported: { BATON_STARTED_AFTER_MS: '0' }, deferred: { BATON_STARTED_AFTER_MS: '50' } }

/** Starts `tasks` under a worker armed with `point`, waits for its death, starts a clean worker. */
async function crashWorker(s: Scenario, point: CrashPoint, mode: StartMode, tasks: typeof CHAIN = CHAIN): Promise<{ runId: string; armed: BatonProcess }> {
  await deploy(s.ns, { name: 'chain', tasks })
  const armed = s.worker({ crash: point, env: START_ENV[mode] })
  await s.ready(s.coordinator(), armed)
  const runId = await trigger(s.ns, 'chain')
  await diedAt(armed, point)
  s.worker({ env: START_ENV[mode] })
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

describe('worker crash points, start reported before the handler', { concurrency: true }, () => {
  test('worker.after-started: the heartbeat timeout (2 s) fails attempt 1 and attempt 2 runs; the unacked command comes back after the 30 s ack wait, its stale start is ignored and the ownership check drops it: a runs 1 time (attempt 2)', () =>
    withScenario('w_after_started', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterStarted, 'reported')
      // Attempt 1's command was never acked: JetStream hands it to the new worker after its 30 s
      // ack wait — long after the heartbeat timeout moved the task on.
      await assertSettled(s, runId, aRetried({ 'a/2': 1, 'b/1': 1, 'c/1': 1 }), { drainMs: 45_000 })
      await assertHeartbeatTimeout(s, runId)
      await assertOneStaleStart(s, runId)
      s.assertOthersAlive(armed)
    }))

  test('worker.before-handler: the handler never ran; the heartbeat timeout (2 s) retries it; the ack was still in the dead process\'s buffer, so the command also comes back after 30 s and is dropped: a runs 1 time (attempt 2)', () =>
    withScenario('w_before_handler', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerBeforeHandler, 'reported')
      // `msg.ack()` only queues the frame; nats.js writes it on a later tick, which never comes
      // (the path from the ack to this point is synchronous): the command comes back after 30 s.
      await assertSettled(s, runId, aRetried({ 'a/2': 1, 'b/1': 1, 'c/1': 1 }), { drainMs: 45_000 })
      await assertHeartbeatTimeout(s, runId)
      await assertOneStaleStart(s, runId)
      s.assertOthersAlive(armed)
    }))

  test('worker.after-handler: the handler ran, its result died with the worker; the heartbeat timeout (2 s) retries it: a runs 2 times', () =>
    withScenario('w_after_handler', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterHandler, 'reported')
      await assertSettled(s, runId, aRetried({ 'a/1': 1, 'a/2': 1, 'b/1': 1, 'c/1': 1 }))
      await assertHeartbeatTimeout(s, runId)
      assert.deepEqual(await ignoredEvents(s.ns, runId), [])
      s.assertOthersAlive(armed)
    }))

  test('worker.after-result: the result was stored before the crash; nothing is retried: each task runs 1 time', () =>
    withScenario('w_after_result', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterResult, 'reported')
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

/** Attempt 1 of `a` started only when the unacked command came back, after the 30 s ack wait. */
async function assertRedelivered(s: Scenario, runId: string): Promise<void> {
  const a1 = await s.ns.db.selectFrom('task_attempts').select(['queued_at', 'started_at']).where('run_id', '=', runId).where('task_id', '=', 'a').where('attempt', '=', 1).executeTakeFirstOrThrow()
  const ms = new Date(a1.started_at!).getTime() - new Date(a1.queued_at).getTime()
  assert.ok(ms >= 25_000, `attempt 1 started ${ms} ms after it was queued`)
}

// The deferred start (the default): an instant handler's result goes alone, and the command is
// acked only after JetStream stored it. A worker dying before that leaves no `started` behind:
// no heartbeat timeout can fire, and the command itself comes back after the 30 s ack wait.
describe('worker crash points, start deferred (50 ms)', { concurrency: true }, () => {
  test('worker.before-handler: nothing was published; the command comes back after the 30 s ack wait and attempt 1 runs on the new worker: a runs 1 time', () =>
    withScenario('w_def_before_handler', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerBeforeHandler, 'deferred')
      await assertSettled(
        s,
        runId,
        { run: 'succeeded', tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' }, attempts: { 'a/1': 'succeeded', 'b/1': 'succeeded', 'c/1': 'succeeded' }, executions: { 'a/1': 1, 'b/1': 1, 'c/1': 1 }, commands: 3 },
        { runMs: 90_000 },
      )
      await assertRedelivered(s, runId)
      assert.deepEqual(await ignoredEvents(s.ns, runId), [])
      s.assertOthersAlive(armed)
    }))

  test('worker.after-handler: the handler ran, its result died with the worker and no start was published; the command comes back after 30 s and attempt 1 runs again: a runs 2 times (at least once)', () =>
    withScenario('w_def_after_handler', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterHandler, 'deferred')
      await assertSettled(
        s,
        runId,
        { run: 'succeeded', tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' }, attempts: { 'a/1': 'succeeded', 'b/1': 'succeeded', 'c/1': 'succeeded' }, executions: { 'a/1': 2, 'b/1': 1, 'c/1': 1 }, commands: 3 },
        { runMs: 90_000 },
      )
      await assertRedelivered(s, runId)
      assert.deepEqual(await ignoredEvents(s.ns, runId), [])
      s.assertOthersAlive(armed)
    }))

  test('worker.after-result: the result alone was stored and implied the start; the unacked command comes back after 30 s, its stale start is ignored and the ownership check drops it: each task runs 1 time', () =>
    withScenario('w_def_after_result', async (s) => {
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterResult, 'deferred')
      await assertSettled(
        s,
        runId,
        { run: 'succeeded', tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' }, attempts: { 'a/1': 'succeeded', 'b/1': 'succeeded', 'c/1': 'succeeded' }, executions: { 'a/1': 1, 'b/1': 1, 'c/1': 1 }, commands: 3 },
        { drainMs: 45_000 },
      )
      // The result implied the start: attempt 1 has its start time though no `started` was applied.
      const a1 = await s.ns.db.selectFrom('task_attempts').select(['queued_at', 'started_at', 'finished_at']).where('run_id', '=', runId).where('task_id', '=', 'a').where('attempt', '=', 1).executeTakeFirstOrThrow()
      assert.ok(a1.started_at !== null && a1.started_at <= a1.finished_at!, 'attempt 1 has a start no later than its finish')
      // Stale because `a` already succeeded: usually the run has finished by then; it has not
      // when b's command went to the dead worker's pull request and came back after 30 s too.
      const ignored = await ignoredEvents(s.ns, runId)
      assert.equal(ignored.length, 1, `one ignored event: ${ignored.join('; ')}`)
      assert.match(ignored[0]!, /run is succeeded|task is succeeded/)
      s.assertOthersAlive(armed)
    }))

  test('worker.after-started: a handler still running after 50 ms published its start; the worker died before acking: the heartbeat timeout (2 s) retries it, and the command coming back after 30 s is dropped: a runs 1 time per attempt', () =>
    withScenario('w_def_after_started', async (s) => {
      const gatedA = { ...CHAIN, a: { ...CHAIN.a, handler: 'gated' } }
      const { runId, armed } = await crashWorker(s, CrashPoint.workerAfterStarted, 'deferred', gatedA)
      s.openGate(runId, 'a')
      await assertSettled(s, runId, aRetried({ 'a/1': 1, 'a/2': 1, 'b/1': 1, 'c/1': 1 }), { drainMs: 45_000 })
      await assertHeartbeatTimeout(s, runId)
      await assertOneStaleStart(s, runId)
      s.assertOthersAlive(armed)
    }))
})
