import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { decodeJson, ensureConsumer, newId, publishJson, type TaskCommand, type TaskEvent } from '@baton/shared'
import { startWorker, type Worker } from '@baton/worker'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { captureLogger } from './worker-fixtures.js'

// A command can reach two workers: JetStream redelivers it when a worker was slow to ack (NATS
// restarted while its `started` was being retried). Fencing keeps the transitions exactly-once,
// but the handler's side effects would happen twice. A worker holding a redelivered command (or
// one whose `started` needed retries) asks the coordinators whose attempt it is, and runs the
// handler only when the answer names it.

let ns: TestNamespace
let coordinator: Coordinator
const workers: Worker[] = []

before(async () => {
  ns = await createTestNamespace('ownership')
  coordinator = await startCoordinator({ config: ns.config })
})

after(async () => {
  for (const w of workers) await w.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

/** Takes the next command of a queue by hand, as a worker that then stalls would. */
async function takeCommand(queue: string): Promise<{ command: TaskCommand; nak(): void }> {
  await ensureConsumer(ns.jsm, ns.subjects.commandsStream, ns.subjects.workerConsumer(queue), ns.subjects.command(queue), { ackWaitMs: 30_000 })
  const consumer = await ns.js.consumers.get(ns.subjects.commandsStream, ns.subjects.workerConsumer(queue))
  const msg = await eventually(async () => (await consumer.next({ expires: 1000 })) ?? undefined, `a command on ${queue}`)
  return { command: decodeJson(msg.data) as TaskCommand, nak: () => msg.nak() }
}

async function started(command: TaskCommand, workerId: string): Promise<void> {
  const e: TaskEvent = { id: newId(), runId: command.runId, taskId: command.taskId, attempt: command.attempt, type: 'started', workerId, at: new Date().toISOString() }
  await publishJson(ns.js, ns.subjects.task(command.runId), e.id, e)
}

test("a redelivered command whose attempt another worker started is acked and never run here", async () => {
  await deploy(ns, { name: 'owned_elsewhere', tasks: { a: { queue: 'own_a', timeout: { heartbeat: '60s' } } } })
  const runId = await trigger(ns, 'owned_elsewhere')
  // Worker "w-first" takes the command, reports its start, then stalls without acking.
  const first = await takeCommand('own_a')
  await started(first.command, 'w-first')
  await eventually(async () => (await ns.db.selectFrom('task_states').select('worker_id').where('run_id', '=', runId).executeTakeFirst())?.worker_id === 'w-first', 'the start of w-first applied')
  first.nak()

  let ran = 0
  const log = captureLogger()
  workers.push(await startWorker({ queue: 'own_a', config: ns.config, nc: ns.nc, logger: log.logger, handlers: { a: async () => void ran++ } }))
  // The redelivered command was taken and settled by the worker: nothing left for the consumer.
  await eventually(async () => {
    const info = await ns.jsm.consumers.info(ns.subjects.commandsStream, ns.subjects.workerConsumer('own_a'))
    return info.delivered.consumer_seq === 2 && info.num_ack_pending === 0 && info.num_pending === 0
  }, 'the redelivered command to be acked')
  // The worker decided (a worker that runs an attempt acks it first, then runs the handler): wait
  // for its decision about this attempt before asserting that the handler did not run.
  const decided = await eventually(() => log.lines().find((l) => l.runId === runId && l.msg === 'attempt belongs to another worker; not running it'), 'the worker to decide the attempt is not its own')
  assert.equal(decided.deliveryCount, 2)
  assert.equal(ran, 0, 'the handler did not run on the second worker')
  const row = await ns.db.selectFrom('task_states').select(['status', 'worker_id', 'attempt']).where('run_id', '=', runId).executeTakeFirstOrThrow()
  assert.deepEqual(row, { status: 'running', worker_id: 'w-first', attempt: 1 })
})

test('a redelivered command nobody started is confirmed as this worker\'s and runs exactly once', async () => {
  await deploy(ns, { name: 'owned_here', tasks: { a: { queue: 'own_b' } } })
  const runId = await trigger(ns, 'owned_here')
  // Taken and handed back before any start: the next delivery is a redelivery.
  const first = await takeCommand('own_b')
  first.nak()
  let ran = 0
  workers.push(await startWorker({ queue: 'own_b', config: ns.config, nc: ns.nc, handlers: { a: async () => ({ ran: ++ran }) } }))
  const run = await waitForRun(ns, runId)
  assert.equal(run.status, 'succeeded')
  assert.equal(ran, 1)
  assert.deepEqual(run.tasks[0]!.output, { ran: 1 })
})
