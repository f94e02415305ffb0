import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CrashPoint, setPool } from '@baton/shared'
import { eventually } from '../support/namespace.js'
import type { BatonProcess } from '../support/processes.js'
import { deploy, trigger } from '../support/runs.js'
import {
  assertSettled,
  commandsStored,
  committedStatuses,
  assertOnlyReplaysIgnored,
  diedAt,
  eventThatMade,
  outboxIds,
  QUEUE,
  SH_RECORD,
  taskReaches,
  todayUtc,
  whileAlive,
  withScenario,
  type Scenario,
  type Settled,
} from './fixtures/crash-points/scenario.js'
import { assertNoLeaks } from '../support/leak-check.js'

// Every scenario stops its processes and closes its namespace itself; nothing may be left.
after(assertNoLeaks)

// One test per coordinator crash point (shared/src/crash-points.ts; docs/durability.md has the
// table). Each scenario runs `baton coordinator` and `baton worker` as child processes in its own
// namespace, arms the point on the coordinator only, waits for it to die there, restarts it
// unarmed and checks that the run finishes with nothing lost, doubled or stuck. Handler
// executions are counted by a ledger the fixture handlers append to.

/**
 * a → b → c. With `gated`, `a` holds until the test opens its gate, so the coordinator's event
 * batches are, in order: 1 the run request, 2 `a` started, 3 `a` succeeded. Its heartbeat timeout
 * is long so that no heartbeat event slips in while it waits.
 */
function chain(first: 'step' | 'gated') {
  return {
    a: { queue: QUEUE, handler: first, timeout: { heartbeat: '60s' } },
    b: { after: ['a'], queue: QUEUE, handler: 'step' },
    c: { after: ['b'], queue: QUEUE, handler: 'step' },
  }
}

/** The chain finished, every task once. */
const CHAIN_ONCE: Settled = {
  run: 'succeeded',
  tasks: { a: 'succeeded', b: 'succeeded', c: 'succeeded' },
  attempts: { 'a/1': 'succeeded', 'b/1': 'succeeded', 'c/1': 'succeeded' },
  executions: { 'a/1': 1, 'b/1': 1, 'c/1': 1 },
  commands: 3,
}

/** Triggers the gated chain under an armed coordinator and opens `a`'s gate: batch 3 follows. */
async function toThirdBatch(s: Scenario, armed: BatonProcess): Promise<string> {
  const runId = await whileAlive(
    armed,
    'its third event batch (a succeeded): something else passed the point first',
    (async () => {
      const id = await trigger(s.ns, 'chain')
      await taskReaches(s.ns, id, 'a', 'running')
      return id
    })(),
  )
  s.openGate(runId, 'a')
  return runId
}

describe('coordinator crash points', { concurrency: 4 }, () => {
  test('coordinator.batch.before-commit (batch 3: a succeeded): the batch rolls back, its event is redelivered after the 2 s ack wait and applied; each task runs 1 time', () =>
    withScenario('before_commit', async (s) => {
      await deploy(s.ns, { name: 'chain', tasks: chain('gated') })
      const armed = s.coordinator({ crash: `${CrashPoint.batchBeforeCommit}:3` })
      await s.ready(s.worker(), armed)
      const runId = await toThirdBatch(s, armed)
      await diedAt(armed, CrashPoint.batchBeforeCommit)
      // Nothing of batch 3 is left: a still running, b not queued, no command for b.
      assert.deepEqual(await committedStatuses(s.ns, runId), { a: 'running#1', b: 'pending', c: 'pending' })
      assert.ok(!(await outboxIds(s.ns)).includes(`${runId}.b.1`))
      assert.equal(await commandsStored(s.ns), 1)
      s.coordinator()
      await assertSettled(s, runId, CHAIN_ONCE)
      // The redelivered event was applied (it never had been); any further delivery is ignored.
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(armed)
    }))

  test('coordinator.batch.after-commit (batch 3): b is queued with its command unpublished; the relay sends it at restart and the redelivered a-succeeded changes nothing; each task runs 1 time', () =>
    withScenario('after_commit', async (s) => {
      await deploy(s.ns, { name: 'chain', tasks: chain('gated') })
      const armed = s.coordinator({ crash: `${CrashPoint.batchAfterCommit}:3` })
      await s.ready(s.worker(), armed)
      const runId = await toThirdBatch(s, armed)
      await diedAt(armed, CrashPoint.batchAfterCommit)
      assert.deepEqual(await committedStatuses(s.ns, runId), { a: 'succeeded#1', b: 'queued#1', c: 'pending' })
      assert.ok((await outboxIds(s.ns)).includes(`${runId}.b.1`), "b's command waits in the outbox")
      assert.equal(await commandsStored(s.ns), 1, "b's command was not published")
      s.coordinator()
      await assertSettled(s, runId, CHAIN_ONCE)
      await assertOnlyReplaysIgnored(s.ns, runId, [await eventThatMade(s.ns, runId, 'a', 'succeeded')])
      s.assertOthersAlive(armed)
    }))

  test('coordinator.run-created.before-commands: the run exists without its first command; the relay sends it at restart and the redelivered request is the same run; each task runs 1 time', () =>
    withScenario('run_created', async (s) => {
      await deploy(s.ns, { name: 'chain', tasks: chain('step') })
      const armed = s.coordinator({ crash: CrashPoint.runCreatedBeforeCommands })
      await s.ready(s.worker(), armed)
      const key = 'crash-run-created'
      const runId = await trigger(s.ns, 'chain', { key })
      await diedAt(armed, CrashPoint.runCreatedBeforeCommands)
      assert.deepEqual(await committedStatuses(s.ns, runId), { a: 'queued#1', b: 'pending', c: 'pending' })
      assert.deepEqual(await outboxIds(s.ns), [`${runId}.a.1`])
      assert.equal(await commandsStored(s.ns), 0)
      s.coordinator()
      await assertSettled(s, runId, CHAIN_ONCE)
      const runs = await s.ns.db.selectFrom('runs').select('id').where('workflow', '=', 'chain').execute()
      assert.deepEqual(runs.map((r) => r.id), [runId], 'the redelivered request is the same run')
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(armed)
    }))

  test('coordinator.outbox.between-messages: one of the two root commands went out; the relay re-publishes both and JetStream drops the duplicate; each task runs 1 time', () =>
    withScenario('between_messages', async (s) => {
      await deploy(s.ns, {
        name: 'pair',
        tasks: { r1: { queue: QUEUE, handler: 'step' }, r2: { queue: QUEUE, handler: 'step' }, j: { after: ['r1', 'r2'], queue: QUEUE, handler: 'step' } },
      })
      const armed = s.coordinator({ crash: CrashPoint.outboxBetweenMessages })
      await s.ready(s.worker(), armed)
      const runId = await trigger(s.ns, 'pair')
      await diedAt(armed, CrashPoint.outboxBetweenMessages)
      assert.deepEqual(await committedStatuses(s.ns, runId), { j: 'pending', r1: 'queued#1', r2: 'queued#1' })
      assert.deepEqual(await outboxIds(s.ns), [`${runId}.r1.1`, `${runId}.r2.1`], 'both rows stay until confirmed')
      // The two publishes are in flight together: the first PubAck kills the process, the second
      // may or may not have reached the server by then.
      const published = await commandsStored(s.ns)
      assert.ok(published >= 1 && published <= 2, `published before the crash: ${published}`)
      s.coordinator()
      await assertSettled(s, runId, {
        run: 'succeeded',
        tasks: { r1: 'succeeded', r2: 'succeeded', j: 'succeeded' },
        attempts: { 'r1/1': 'succeeded', 'r2/1': 'succeeded', 'j/1': 'succeeded' },
        executions: { 'r1/1': 1, 'r2/1': 1, 'j/1': 1 },
        commands: 3,
      })
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(armed)
    }))

  test('coordinator.batch.after-publish (batch 3): b\'s command went out, the batch\'s event was not acked; it is redelivered and changes nothing; each task runs 1 time', () =>
    withScenario('after_publish', async (s) => {
      await deploy(s.ns, { name: 'chain', tasks: chain('gated') })
      const armed = s.coordinator({ crash: `${CrashPoint.batchAfterPublish}:3` })
      await s.ready(s.worker(), armed)
      const runId = await toThirdBatch(s, armed)
      await diedAt(armed, CrashPoint.batchAfterPublish)
      assert.deepEqual(await committedStatuses(s.ns, runId), { a: 'succeeded#1', b: 'queued#1', c: 'pending' })
      assert.equal(await commandsStored(s.ns), 2, "b's command was published")
      s.coordinator()
      await assertSettled(s, runId, CHAIN_ONCE)
      await assertOnlyReplaysIgnored(s.ns, runId, [await eventThatMade(s.ns, runId, 'a', 'succeeded')])
      s.assertOthersAlive(armed)
    }))

  test('coordinator.timers.after-claim: the retry timer fired and attempt 2 committed unpublished; the relay sends it at restart; flaky runs 2 times (attempt 1 fails by design), next 1 time', () =>
    withScenario('timers', async (s) => {
      await deploy(s.ns, {
        name: 'retrying',
        tasks: {
          flaky: { queue: QUEUE, handler: 'flaky', retry: { attempts: 2, backoff: '300ms', jitter: false } },
          next: { after: ['flaky'], queue: QUEUE, handler: 'step' },
        },
      })
      const armed = s.coordinator({ crash: CrashPoint.timersAfterClaim })
      await s.ready(s.worker(), armed)
      const runId = await trigger(s.ns, 'retrying')
      await diedAt(armed, CrashPoint.timersAfterClaim)
      assert.deepEqual(await committedStatuses(s.ns, runId), { flaky: 'queued#2', next: 'pending' })
      assert.deepEqual(await s.ns.db.selectFrom('timers').select('kind').where('run_id', '=', runId).execute(), [], 'the retry timer is claimed for good')
      assert.deepEqual(await outboxIds(s.ns), [`${runId}.flaky.2`])
      assert.equal(await commandsStored(s.ns), 1)
      s.coordinator()
      await assertSettled(s, runId, {
        run: 'succeeded',
        tasks: { flaky: 'succeeded', next: 'succeeded' },
        attempts: { 'flaky/1': 'failed', 'flaky/2': 'succeeded', 'next/1': 'succeeded' },
        executions: { 'flaky/1': 1, 'flaky/2': 1, 'next/1': 1 },
        commands: 3,
      })
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(armed)
    }))

  test('coordinator.slots.after-grant: admission committed a pool slot and its command unpublished; the relay sends it at restart, the slot stays held until the task ends; both tasks of the 1-slot pool run once and no slot is left', () =>
    withScenario('slots', async (s) => {
      await setPool(s.ns.db, { name: 'one', slots: 1 }, 'test')
      await deploy(s.ns, { name: 'pooled', tasks: { x: { queue: QUEUE, handler: 'step', pool: 'one' }, y: { queue: QUEUE, handler: 'step', pool: 'one' } } })
      const armed = s.coordinator({ crash: CrashPoint.slotsAfterGrant })
      await s.ready(s.worker(), armed)
      const runId = await trigger(s.ns, 'pooled')
      await diedAt(armed, CrashPoint.slotsAfterGrant)
      const holds = await s.ns.db.selectFrom('task_slot_holds').select(['task_id', 'group_key', 'slots']).where('run_id', '=', runId).execute()
      const waits = await s.ns.db.selectFrom('task_slot_waits').select(['task_id']).where('run_id', '=', runId).execute()
      assert.equal(holds.length, 1, 'one attempt holds the one slot')
      assert.deepEqual(waits.map((w) => w.task_id), [holds[0]!.task_id === 'x' ? 'y' : 'x'], 'the other still waits')
      assert.deepEqual(await outboxIds(s.ns), [`${runId}.${holds[0]!.task_id}.1`])
      assert.deepEqual(await committedStatuses(s.ns, runId), { x: 'queued#1', y: 'queued#1' })
      s.coordinator()
      await assertSettled(s, runId, {
        run: 'succeeded',
        tasks: { x: 'succeeded', y: 'succeeded' },
        attempts: { 'x/1': 'succeeded', 'y/1': 'succeeded' },
        executions: { 'x/1': 1, 'y/1': 1 },
        commands: 2,
      })
      assert.equal((await s.ns.db.selectFrom('task_slot_holds').selectAll().execute()).length + (await s.ns.db.selectFrom('task_slot_waits').selectAll().execute()).length, 0, 'no slot left held or waited for')
      s.assertOthersAlive(armed)
    }))

  test('coordinator.cron.after-claim: the tick rolls back (no run, schedule unchanged); the restarted coordinator fires it once; its shell task runs 1 time', () =>
    withScenario('cron', async (s) => {
      await deploy(s.ns, { name: 'nightly', schedule: { cron: '0 0 * * *', timezone: 'UTC', catchup: 'latest' }, tasks: { t: { queue: QUEUE, run: { sh: SH_RECORD } } } })
      // Due now: today's 00:00 UTC tick, as if the coordinators had been down since.
      const tick = todayUtc()
      await s.ns.db.updateTable('schedules').set({ next_fire_at: tick }).where('workflow', '=', 'nightly').execute()
      await s.ready(s.worker())
      const armed = s.coordinator({ crash: CrashPoint.cronAfterClaim })
      await diedAt(armed, CrashPoint.cronAfterClaim)
      const schedule = () => s.ns.db.selectFrom('schedules').select(['next_fire_at', 'last_fired_at']).where('workflow', '=', 'nightly').executeTakeFirstOrThrow()
      assert.deepEqual(await s.ns.db.selectFrom('runs').select('id').execute(), [])
      assert.deepEqual(await schedule(), { next_fire_at: tick, last_fired_at: null })
      s.coordinator()
      const runId = await eventually(async () => (await s.ns.db.selectFrom('runs').select('id').where('workflow', '=', 'nightly').executeTakeFirst())?.id, 'the tick to create its run')
      await assertSettled(s, runId, { run: 'succeeded', tasks: { t: 'succeeded' }, attempts: { 't/1': 'succeeded' }, executions: { 't/1': 1 }, commands: 1 })
      const runs = await s.ns.db.selectFrom('runs').select(['idempotency_key', 'trigger']).execute()
      assert.deepEqual(runs, [{ idempotency_key: `cron:${tick.toISOString()}`, trigger: 'cron' }])
      assert.deepEqual(await schedule(), { next_fire_at: new Date(tick.getTime() + 86_400_000), last_fired_at: tick })
      await assertOnlyReplaysIgnored(s.ns, runId)
      s.assertOthersAlive(armed)
    }))

  test('coordinator.alert.after-send: the receiver accepted the alert, the delivery was not recorded; it is sent again after restart — the receiver gets it exactly 2 times, the task runs 1 time', async () => {
    const received: Record<string, unknown>[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>)
        res.writeHead(200).end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      await withScenario('alert', async (s) => {
        const routes = join(s.dir, 'alerts.yaml')
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`
        writeFileSync(routes, ['channels:', `  crash-hook: { type: webhook, url: "${url}" }`, 'owners:', '  crash-team: [crash-hook]'].join('\n'))
        await deploy(s.ns, { name: 'alerting', owner: 'crash-team', tasks: { boom: { queue: QUEUE, handler: 'boom' } } })
        const armed = s.coordinator({ crash: CrashPoint.alertAfterSend, env: { BATON_ALERT_ROUTES: routes } })
        await s.ready(s.worker(), armed)
        const runId = await trigger(s.ns, 'alerting')
        await diedAt(armed, CrashPoint.alertAfterSend)
        assert.equal(received.length, 1, 'the receiver accepted it once before the crash')
        const delivery = () => s.ns.db.selectFrom('alert_deliveries').select(['delivered_at', 'attempts']).executeTakeFirstOrThrow()
        assert.equal((await delivery()).delivered_at, null, 'not recorded as delivered')
        s.coordinator({ env: { BATON_ALERT_ROUTES: routes } })
        await eventually(async () => (await delivery()).delivered_at !== null, 'the delivery to be recorded', 90_000)
        // Give the delivery job (every 1 s) a few more turns: a recorded delivery is never sent again.
        await new Promise((r) => setTimeout(r, 3000))
        assert.equal(received.length, 2, 'at-least-once: exactly one repeat')
        const same = (b: Record<string, unknown>) => ({ cause: b.cause, runId: b.runId, kind: b.kind, firstAt: b.firstAt })
        assert.deepEqual(same(received[1]!), same(received[0]!), 'the same alert both times')
        assert.equal(received[0]!.runId, runId)
        await assertSettled(s, runId, { run: 'failed', tasks: { boom: 'failed' }, attempts: { 'boom/1': 'failed' }, executions: { 'boom/1': 1 }, commands: 1 })
        await assertOnlyReplaysIgnored(s.ns, runId)
        s.assertOthersAlive(armed)
      })
    } finally {
      await new Promise((r) => server.close(r))
    }
  })
})
