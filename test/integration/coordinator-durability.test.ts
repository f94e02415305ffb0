import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { encodeJson, newId, publishJson } from '@baton/shared'
import { headers as natsHeaders } from '@nats-io/nats-core'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, statuses, trigger, waitForRun } from '../support/runs.js'

// Duplicate, stale and malformed input against a live coordinator (real NATS and Postgres).

let ns: TestNamespace
let coordinator: Coordinator

before(async () => {
  ns = await createTestNamespace('durability')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
})
after(async () => {
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

async function transitions(runId: string) {
  return ns.db.selectFrom('history').select(['task_id', 'attempt', 'from_status', 'to_status']).where('run_id', '=', runId).where('kind', '=', 'transition').orderBy('id').execute()
}

describe('duplicate and stale events change nothing', () => {
  test('a run requested twice with one key is one run', async () => {
    await deploy(ns, { name: 'once', tasks: { a: { queue: 'idle' } } })
    const key = newId()
    const first = await trigger(ns, 'once', { key })
    const second = await trigger(ns, 'once', { key })
    assert.equal(first, second)
    const count = await ns.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow', '=', 'once').executeTakeFirstOrThrow()
    assert.equal(Number(count.n), 1)
  })

  test('redelivered, duplicated and stale task events are recorded as ignored and change nothing', async () => {
    // A manual worker: we publish every event by hand to control duplicates and staleness.
    await deploy(ns, { name: 'manual', tasks: { a: { queue: 'manual', retry: { attempts: 2, backoff: '10ms', jitter: false } }, b: { after: ['a'], queue: 'manual' } } })
    const runId = await trigger(ns, 'manual')
    const send = async (body: Record<string, unknown>, id = newId()) => {
      await publishJson(ns.js, ns.subjects.task(runId), id, { id, runId, workerId: 'w1', ...body })
      return id
    }
    const taskState = async (taskId: string) => ns.db.selectFrom('task_states').select(['status', 'attempt']).where('run_id', '=', runId).where('task_id', '=', taskId).executeTakeFirstOrThrow()
    await eventually(async () => (await taskState('a')).status === 'queued', 'a queued')
    await send({ taskId: 'a', attempt: 1, type: 'started' })
    await eventually(async () => (await taskState('a')).status === 'running', 'a running')
    await send({ taskId: 'a', attempt: 1, type: 'failed', error: { message: 'boom', retryable: true, kind: 'error' } })
    await eventually(async () => (await taskState('a')).attempt === 2, 'a re-queued as attempt 2')
    // Stale: attempt 1 reports success after it was already failed and retried.
    const stale = await send({ taskId: 'a', attempt: 1, type: 'succeeded', output: { stale: true } })
    await send({ taskId: 'a', attempt: 2, type: 'started' })
    const successId = newId()
    await send({ taskId: 'a', attempt: 2, type: 'succeeded', output: { rows: 1 } }, successId)
    await eventually(async () => (await taskState('b')).status === 'queued', 'b queued')
    // Duplicates: same event id again (JetStream de-duplicates it) and the same result under a new id.
    await send({ taskId: 'a', attempt: 2, type: 'succeeded', output: { rows: 1 } }, successId)
    const resultAgain = await send({ taskId: 'a', attempt: 2, type: 'succeeded', output: { rows: 999 } })
    const startedElsewhere = await send({ taskId: 'a', attempt: 2, type: 'started', workerId: 'w2' })
    await send({ taskId: 'b', attempt: 1, type: 'started' })
    await send({ taskId: 'b', attempt: 1, type: 'succeeded', output: null })
    const run = await waitForRun(ns, runId)
    // Every event above applied (or de-duplicated by JetStream) before looking for what they changed.
    await allEventsApplied(ns)
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(run.tasks.find((t) => t.id === 'a')!.output, { rows: 1 })
    const t = await transitions(runId)
    const seen = new Set<string>()
    for (const h of t) {
      const k = `${h.task_id}/${h.attempt}/${h.to_status}`
      assert.ok(!seen.has(k), `duplicate transition ${k}`)
      seen.add(k)
    }
    // Exactly the three events that could change nothing were recorded as ignored, each once;
    // the re-sent event id never reached the coordinator.
    const ignored = await ns.db.selectFrom('history').select(['event_id', 'reason']).where('run_id', '=', runId).where('kind', '=', 'ignored').orderBy('id').execute()
    assert.deepEqual(ignored.map((i) => i.event_id), [stale, resultAgain, startedElsewhere], JSON.stringify(ignored))
    assert.match(ignored[0]!.reason ?? '', /stale attempt 1/)
  })
})

describe('malformed and invalid events are dead-lettered, never block the consumer', () => {
  test('bad JSON, schema-invalid, unknown run and unknown workflow land in dead_letters with the reason', async () => {
    const raw = async (subject: string, data: Uint8Array): Promise<string> => {
      const h = natsHeaders()
      const msgID = newId()
      await ns.js.publish(subject, data, { msgID, headers: h })
      return msgID
    }
    const unknownRun = newId()
    const sent = {
      badJson: await raw(ns.subjects.task(unknownRun), new TextEncoder().encode('{not json')),
      attemptZero: await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x1', runId: unknownRun, taskId: 'a', attempt: 0, type: 'started', workerId: 'w' })),
      unknownType: await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x2', runId: unknownRun, taskId: 'a', attempt: 1, type: 'exploded', workerId: 'w' })),
      unknownRun: await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x3', runId: unknownRun, taskId: 'a', attempt: 1, type: 'started', workerId: 'w' })),
      unknownWorkflow: await raw(ns.subjects.runRequested, encodeJson({ id: 'x4', workflow: 'no_such_workflow' })),
      noWorkflow: await raw(ns.subjects.runRequested, encodeJson({ id: 'x5' })),
      badStartedAt: await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x6', runId: unknownRun, taskId: 'a', attempt: 1, type: 'succeeded', workerId: 'w', startedAt: 'yesterday' })),
    }
    const ids = Object.values(sent)
    // All seven applied: each dead-lettered (terminated, never to come back), once, with its own reason.
    await allEventsApplied(ns)
    const letters = await ns.db.selectFrom('dead_letters').select(['msg_id', 'subject', 'reason', 'count']).where('msg_id', 'in', ids).execute()
    assert.equal(letters.length, ids.length, JSON.stringify(letters))
    const reason = Object.fromEntries(letters.map((l) => [l.msg_id, l.reason]))
    assert.deepEqual(letters.map((l) => l.count), ids.map(() => 1))
    // The JSON parser's own words follow the prefix: only that one is matched, not spelled out.
    const { [sent.badJson]: badJson, ...others } = reason
    assert.match(badJson!, /^malformed JSON: \S/)
    assert.deepEqual(others, {
      [sent.attemptZero]: 'invalid task event: attempt: Too small: expected number to be >=1',
      [sent.unknownType]: 'invalid task event: type: Invalid option: expected one of "started"|"heartbeat"|"succeeded"|"failed"',
      [sent.unknownRun]: `unknown run ${unknownRun}`,
      [sent.unknownWorkflow]: "unknown workflow 'no_such_workflow'",
      [sent.noWorkflow]: 'invalid run request: workflow: Invalid input: expected string, received undefined',
      [sent.badStartedAt]: 'invalid task event: startedAt: Invalid ISO datetime',
    })
    // The consumer keeps working after poison messages.
    const worker = await startScriptedWorker(ns, 'after_poison', () => ({ succeed: 1 }))
    await deploy(ns, { name: 'after_poison', tasks: { a: { queue: 'after_poison' } } })
    const run = await waitForRun(ns, await trigger(ns, 'after_poison'))
    assert.equal(run.status, 'succeeded')
    await worker.stop()
  })
})

describe('cancellation', () => {
  test('cancelling a run cancels pending and running tasks and tells workers to abort', async (t) => {
    await deploy(ns, { name: 'cancel_me', tasks: { long: { queue: 'hang' }, next: { after: ['long'], queue: 'hang' } } })
    const worker = await startScriptedWorker(ns, 'hang', () => ({ hang: true }))
    const aborts: unknown[] = []
    const sub = ns.nc.subscribe(ns.subjects.abort, { callback: (_e, m) => void aborts.push(m.json()) })
    t.after(async () => {
      sub.unsubscribe()
      await worker.stop()
    })
    const runId = await trigger(ns, 'cancel_me')
    await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).where('task_id', '=', 'long').executeTakeFirst())?.status === 'running', 'long running')
    const id = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId, reason: 'test' })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'cancelled')
    assert.deepEqual(statuses(run), { long: 'cancelled', next: 'cancelled' })
    await eventually(() => aborts.length > 0, 'abort notice')
    assert.deepEqual(aborts[0], { runId, taskId: 'long', attempt: 1, reason: 'run cancelled' })
  })
})

describe('workflow versions', () => {
  test('a run stays on the version it started with when the workflow is redeployed', async () => {
    const worker = await startScriptedWorker(ns, 'pinned', (cmd) => ({ succeed: cmd.taskId, delayMs: cmd.taskId === 'v1_first' ? 500 : 0 }))
    await deploy(ns, { name: 'versioned', tasks: { v1_first: { queue: 'pinned' }, v1_second: { after: ['v1_first'], queue: 'pinned' } } })
    const oldRun = await trigger(ns, 'versioned')
    await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', oldRun).where('task_id', '=', 'v1_first').executeTakeFirst())?.status === 'running', 'v1 running')
    await deploy(ns, { name: 'versioned', tasks: { v2_only: { queue: 'pinned' } } })
    const newRun = await trigger(ns, 'versioned')
    const [a, b] = [await waitForRun(ns, oldRun), await waitForRun(ns, newRun)]
    assert.deepEqual(statuses(a), { v1_first: 'succeeded', v1_second: 'succeeded' })
    assert.deepEqual(statuses(b), { v2_only: 'succeeded' })
    assert.notEqual(a.versionHash, b.versionHash)
    await worker.stop()
  })
})
