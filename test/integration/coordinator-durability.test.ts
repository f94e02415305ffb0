import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { encodeJson, newId, publishJson } from '@baton/shared'
import { headers as natsHeaders } from '@nats-io/nats-core'
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
    await send({ taskId: 'a', attempt: 1, type: 'succeeded', output: { stale: true } })
    await send({ taskId: 'a', attempt: 2, type: 'started' })
    const successId = newId()
    await send({ taskId: 'a', attempt: 2, type: 'succeeded', output: { rows: 1 } }, successId)
    await eventually(async () => (await taskState('b')).status === 'queued', 'b queued')
    // Duplicates: same event id again (JetStream de-duplicates it) and the same result under a new id.
    await send({ taskId: 'a', attempt: 2, type: 'succeeded', output: { rows: 1 } }, successId)
    await send({ taskId: 'a', attempt: 2, type: 'succeeded', output: { rows: 999 } })
    await send({ taskId: 'a', attempt: 2, type: 'started', workerId: 'w2' })
    await send({ taskId: 'b', attempt: 1, type: 'started' })
    await send({ taskId: 'b', attempt: 1, type: 'succeeded', output: null })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(run.tasks.find((t) => t.id === 'a')!.output, { rows: 1 })
    const t = await transitions(runId)
    const seen = new Set<string>()
    for (const h of t) {
      const k = `${h.task_id}/${h.attempt}/${h.to_status}`
      assert.ok(!seen.has(k), `duplicate transition ${k}`)
      seen.add(k)
    }
    const ignored = await ns.db.selectFrom('history').select('reason').where('run_id', '=', runId).where('kind', '=', 'ignored').execute()
    assert.ok(ignored.length >= 3, `ignored events recorded (${ignored.length})`)
    assert.ok(ignored.some((i) => /stale attempt 1/.test(i.reason ?? '')))
  })
})

describe('malformed and invalid events are dead-lettered, never block the consumer', () => {
  test('bad JSON, schema-invalid, unknown run and unknown workflow land in dead_letters with the reason', async () => {
    const raw = async (subject: string, data: Uint8Array) => {
      const h = natsHeaders()
      await ns.js.publish(subject, data, { msgID: newId(), headers: h })
    }
    const unknownRun = newId()
    await raw(ns.subjects.task(unknownRun), new TextEncoder().encode('{not json'))
    await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x1', runId: unknownRun, taskId: 'a', attempt: 0, type: 'started', workerId: 'w' }))
    await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x2', runId: unknownRun, taskId: 'a', attempt: 1, type: 'exploded', workerId: 'w' }))
    await raw(ns.subjects.task(unknownRun), encodeJson({ id: 'x3', runId: unknownRun, taskId: 'a', attempt: 1, type: 'started', workerId: 'w' }))
    await raw(ns.subjects.runRequested, encodeJson({ id: 'x4', workflow: 'no_such_workflow' }))
    await raw(ns.subjects.runRequested, encodeJson({ id: 'x5' }))
    const letters = await eventually(async () => {
      const rows = await ns.db.selectFrom('dead_letters').select(['subject', 'reason', 'payload']).orderBy('id').execute()
      return rows.length >= 6 ? rows : undefined
    }, 'six dead letters')
    const reasons = letters.map((l) => l.reason).join('\n')
    assert.match(reasons, /malformed JSON/)
    assert.match(reasons, /attempt: Too small|attempt/)
    assert.match(reasons, /type: Invalid option/)
    assert.match(reasons, new RegExp(`unknown run ${unknownRun}`))
    assert.match(reasons, /unknown workflow 'no_such_workflow'/)
    assert.match(reasons, /workflow: /)
    // The consumer keeps working after poison messages.
    const worker = await startScriptedWorker(ns, 'after_poison', () => ({ succeed: 1 }))
    await deploy(ns, { name: 'after_poison', tasks: { a: { queue: 'after_poison' } } })
    const run = await waitForRun(ns, await trigger(ns, 'after_poison'))
    assert.equal(run.status, 'succeeded')
    await worker.stop()
  })
})

describe('cancellation', () => {
  test('cancelling a run cancels pending and running tasks and tells workers to abort', async () => {
    await deploy(ns, { name: 'cancel_me', tasks: { long: { queue: 'hang' }, next: { after: ['long'], queue: 'hang' } } })
    const worker = await startScriptedWorker(ns, 'hang', () => ({ hang: true }))
    const aborts: unknown[] = []
    const sub = ns.nc.subscribe(ns.subjects.abort, { callback: (_e, m) => void aborts.push(m.json()) })
    const runId = await trigger(ns, 'cancel_me')
    await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).where('task_id', '=', 'long').executeTakeFirst())?.status === 'running', 'long running')
    const id = newId()
    await publishJson(ns.js, ns.subjects.runCancelRequested, id, { id, runId, reason: 'test' })
    const run = await waitForRun(ns, runId)
    assert.equal(run.status, 'cancelled')
    assert.deepEqual(statuses(run), { long: 'cancelled', next: 'cancelled' })
    await eventually(() => aborts.length > 0, 'abort notice')
    assert.deepEqual(aborts[0], { runId, taskId: 'long', attempt: 1, reason: 'run cancelled' })
    sub.unsubscribe()
    await worker.stop()
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
