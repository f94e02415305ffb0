import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createLogger, newId, publishJson, type TaskEvent } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger } from '../support/runs.js'

// A batch of only `started` events waits briefly for their results (EventConsumer, START_HOLD_MS):
// a short task's start and result are decided in one transaction, a long task's start is still
// applied on its own. The hold is long here (2 s) so that "together" does not depend on the
// machine's speed; a task whose result never comes must still be seen running.

let ns: TestNamespace
let coordinator: Coordinator
const batches: number[] = []

before(async () => {
  ns = await createTestNamespace('starthold')
  coordinator = await startCoordinator({ config: ns.config, startHoldMs: 2000, logger: createLogger({ level: 'error' }), onBatch: (b) => batches.push(b.messages) })
  await deploy(ns, { name: 'held', tasks: { a: { queue: 'nobody_here' } } })
})

after(async () => {
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

const event = (runId: string, type: 'started' | 'succeeded'): TaskEvent => ({ id: newId(), runId, taskId: 'a', attempt: 1, type, workerId: 'w1', at: new Date().toISOString(), ...(type === 'succeeded' ? { output: null } : {}) })

/** A run whose `a` is queued, its request's batch reported (so `batches` starts empty after). */
async function queued(): Promise<string> {
  batches.length = 0
  const runId = await trigger(ns, 'held')
  await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).executeTakeFirst())?.status === 'queued', 'a queued')
  await eventually(() => batches.length === 1, "the request's batch to be reported")
  batches.length = 0
  return runId
}

test("a short task's start and result, published back to back, are applied in one batch, each transition with its own event", async () => {
  const runId = await queued()
  const started = event(runId, 'started')
  const succeeded = event(runId, 'succeeded')
  await publishJson(ns.js, ns.subjects.task(runId), started.id, started)
  await publishJson(ns.js, ns.subjects.task(runId), succeeded.id, succeeded)
  await eventually(async () => (await ns.db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst())?.status === 'succeeded', 'the run to succeed')
  // A batch is reported after its commit and publish, so the run can be seen succeeded first.
  await eventually(() => batches.length > 0, 'the batch to be reported')
  assert.deepEqual(batches, [2], 'one batch of both events')
  const transitions = await ns.db.selectFrom('history').select(['to_status', 'event_id']).where('run_id', '=', runId).where('task_id', '=', 'a').where('kind', '=', 'transition').orderBy('id').execute()
  assert.deepEqual(transitions, [
    { to_status: 'queued', event_id: null },
    { to_status: 'running', event_id: started.id },
    { to_status: 'succeeded', event_id: succeeded.id },
  ])
})

test("a long task's start is applied on its own once the hold has passed, without its result", async () => {
  const runId = await queued()
  const started = event(runId, 'started')
  await publishJson(ns.js, ns.subjects.task(runId), started.id, started)
  await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).executeTakeFirst())?.status === 'running', 'a running', 10_000)
  await eventually(() => batches.length > 0, 'the batch to be reported')
  assert.deepEqual(batches, [1], 'the start alone')
  const succeeded = event(runId, 'succeeded')
  await publishJson(ns.js, ns.subjects.task(runId), succeeded.id, succeeded)
  await eventually(async () => (await ns.db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst())?.status === 'succeeded', 'the run to succeed')
})
