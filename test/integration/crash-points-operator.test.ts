import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CrashPoint, newId, publishJson, type RunActionRequested } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { eventually } from '../support/namespace.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { assertSettled, diedAt, QUEUE, withScenario } from './fixtures/crash-points/scenario.js'

after(assertNoLeaks)

// An operator's retry from failure when the coordinator applying it is SIGKILLed at the worst
// moments of its batch: before the commit (nothing of it happened: the event comes back and is
// applied), and after the commit but before the ack (it happened: the event comes back and is
// recorded as ignored). Either way the run is reopened exactly once and every handler runs once
// per attempt. `flaky` fails its attempt 1 and succeeds after; it has one attempt, so the run fails
// until the retry.

const TASKS = {
  a: { queue: QUEUE, handler: 'step' },
  b: { after: ['a'], queue: QUEUE, handler: 'flaky' },
  c: { after: ['b'], queue: QUEUE, handler: 'step' },
}

describe('operator actions under coordinator crash points', { concurrency: true }, () => {
  for (const point of [CrashPoint.batchBeforeCommit, CrashPoint.batchAfterCommit]) {
    test(`retry from failure, coordinator killed at ${point}: applied once after the restart, b and c run once more, a not again`, () =>
      withScenario(`op_${point.split('.').at(-1)!.replace(/-/g, '_')}`, async (s) => {
        const first = s.coordinator()
        const worker = s.worker()
        await s.ready(first, worker)
        await deploy(s.ns, { name: 'chain', tasks: TASKS })
        const runId = await trigger(s.ns, 'chain')
        assert.equal((await waitForRun(s.ns, runId)).status, 'failed')
        await first.kill('SIGTERM')

        // The next batch that writes anything is the retry's.
        const armed = s.coordinator({ crash: point })
        await s.ready(armed)
        const id = newId()
        await publishJson(s.ns.js, s.ns.subjects.runActionRequested, id, { id, runId, action: 'retry', scope: 'task', by: 'token:oncall', reason: 'fixed' } satisfies RunActionRequested)
        await diedAt(armed, point)
        s.coordinator()
        // Before the commit the run is still `failed` as it was: wait for the retry to be applied.
        await eventually(async () => (await s.ns.db.selectFrom('history').select('id').where('run_id', '=', runId).where('event_id', '=', id).where('kind', '=', 'run').executeTakeFirst()) !== undefined, 'the retry to be applied', 60_000)

        await assertSettled(s, runId, {
          run: 'succeeded',
          tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' },
          attempts: { 'a/1': 'succeeded', 'b/1': 'failed', 'b/2': 'succeeded', 'c/1': 'succeeded' },
          executions: { 'a/1': 1, 'b/1': 1, 'b/2': 1, 'c/1': 1 },
          commands: 4,
        })
        const recorded = await s.ns.db.selectFrom('history').select(['kind', 'from_status', 'to_status', 'reason']).where('run_id', '=', runId).where('event_id', '=', id).orderBy('id').execute()
        const reopened = recorded.filter((r) => r.kind === 'run' && r.from_status === 'failed' && r.to_status === 'running')
        assert.equal(reopened.length, 1, `reopened once: ${JSON.stringify(recorded)}`)
        const ignored = recorded.filter((r) => r.kind === 'ignored')
        // Before the commit nothing was written, so a redelivery is the one application; after it,
        // the redelivery finds the run already retried and is recorded as ignored. (JetStream may
        // redeliver more than once — nats-server 2.9 sometimes does after an expired ack wait —
        // and each repeat is ignored the same way.)
        if (point === CrashPoint.batchAfterCommit) assert.ok(ignored.length >= 1, 'the redelivered action was recorded as ignored')
        for (const r of ignored) assert.match(r.reason!, /run is (running|succeeded)/)
      }))
  }
})
