import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { admitQueuedRuns, DefinitionCache, fireDueSchedules, OutboxPublisher, raiseMissedReadiness, startCoordinator, type Coordinator } from '@baton/coordinator'
import { createDb, createLogger, jetstreamClient, type Db } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { deploy } from '../support/runs.js'

// Cron schedules fired with an injected clock: catch-up after a simulated downtime, several
// coordinators firing the same tick, maxActiveRuns. The scheduler is called directly (no sleeping
// for real hours); runs are only created here, no worker is needed.

let ns: TestNamespace
let publisher: OutboxPublisher
const definitions = new DefinitionCache()

before(async () => {
  ns = await createTestNamespace('schedule')
  publisher = new OutboxPublisher(ns.db, ns.nc, jetstreamClient(ns.nc), createLogger({ level: 'silent' }))
})
after(async () => {
  await ns.close()
  await assertNoLeaks()
})


async function scheduleAt(workflow: string, catchup: 'none' | 'latest' | 'all', deployedAt: Date, extra: { maxActiveRuns?: number } = {}): Promise<void> {
  await deploy(ns, { name: workflow, schedule: { cron: '0 * * * *', timezone: 'Europe/Paris', catchup, ...extra }, tasks: { t: { queue: 'nobody' } } }, deployedAt)
}

async function runs(workflow: string) {
  return ns.db.selectFrom('runs').select(['idempotency_key', 'partition', 'status', 'scheduled_for', 'trigger']).where('workflow', '=', workflow).orderBy('scheduled_for').execute()
}

describe('catch-up after downtime', () => {
  const deployedAt = new Date('2026-06-01T10:30:00Z')
  const afterDowntime = new Date('2026-06-01T14:10:00Z') // ticks at 11:00, 12:00, 13:00, 14:00 UTC were missed

  test("catchup 'all' runs every missed tick, each once, with its own partition", async () => {
    await scheduleAt('hourly_all', 'all', deployedAt)
    await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, afterDowntime)
    const r = await runs('hourly_all')
    assert.deepEqual(r.map((x) => new Date(x.scheduled_for!).toISOString()), ['2026-06-01T11:00:00.000Z', '2026-06-01T12:00:00.000Z', '2026-06-01T13:00:00.000Z', '2026-06-01T14:00:00.000Z'])
    assert.ok(r.every((x) => x.trigger === 'cron' && x.partition === '2026-06-01'))
    const next = await ns.db.selectFrom('schedules').select('next_fire_at').where('workflow', '=', 'hourly_all').executeTakeFirstOrThrow()
    assert.equal(new Date(next.next_fire_at).toISOString(), '2026-06-01T15:00:00.000Z')
  })

  test("catchup 'latest' runs only the last missed tick", async () => {
    await scheduleAt('hourly_latest', 'latest', deployedAt)
    await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, afterDowntime)
    assert.deepEqual((await runs('hourly_latest')).map((x) => new Date(x.scheduled_for!).toISOString()), ['2026-06-01T14:00:00.000Z'])
  })

  test("catchup 'none' skips missed ticks but fires an on-time one", async () => {
    await scheduleAt('hourly_none', 'none', deployedAt)
    await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, afterDowntime)
    assert.equal((await runs('hourly_none')).length, 0, '14:00 is 10 minutes late: missed')
    await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, new Date('2026-06-01T15:00:20Z'))
    assert.deepEqual((await runs('hourly_none')).map((x) => new Date(x.scheduled_for!).toISOString()), ['2026-06-01T15:00:00.000Z'])
  })

  test('maxActiveRuns bounds catch-up: the others wait queued and are admitted as slots free', async () => {
    await scheduleAt('hourly_bounded', 'all', deployedAt, { maxActiveRuns: 2 })
    await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, afterDowntime)
    assert.equal((await runs('hourly_bounded')).length, 4)
    await admitQueuedRuns(ns.db, definitions, ns.subjects, publisher)
    await admitQueuedRuns(ns.db, definitions, ns.subjects, publisher)
    const statuses = (await runs('hourly_bounded')).map((x) => x.status)
    assert.deepEqual(statuses, ['running', 'running', 'queued', 'queued'], 'oldest first, never more than 2')
  })
})

describe('several coordinators', () => {
  test('the same schedule fired by several coordinators at once, and the same tick twice, makes one run', async () => {
    const deployedAt = new Date('2026-03-01T08:10:00Z')
    await deploy(ns, { name: 'daily_once', schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris', catchup: 'latest' }, tasks: { t: { queue: 'nobody' } } }, deployedAt)
    const now = new Date('2026-03-02T05:00:30Z') // 06:00 Paris
    const pools: Db[] = Array.from({ length: 4 }, () => createDb(ns.config.databaseUrl, ns.config.namespace, { max: 2 }))
    try {
      await Promise.all(pools.map((db) => fireDueSchedules(db, new DefinitionCache(), ns.subjects, publisher, now)))
      // A coordinator that read the schedule before the others moved it fires the tick again.
      await ns.db.updateTable('schedules').set({ next_fire_at: new Date('2026-03-02T05:00:00Z') }).where('workflow', '=', 'daily_once').execute()
      await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, now)
    } finally {
      for (const db of pools) await db.destroy()
    }
    const r = await runs('daily_once')
    assert.equal(r.length, 1)
    // The 06:00 run of 2 March covers the day before (Airflow's data interval).
    assert.equal(r[0]!.partition, '2026-03-01')
  })
})

describe('scheduled and data-gated', () => {
  test('a tick of a workflow that also waits for sources arms the partition and its deadline instead of running; nothing landing raises readiness_missed', async () => {
    await deploy(
      ns,
      {
        name: 'gated',
        schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris', catchup: 'latest' },
        when: { sourcesLanded: ['orders', 'payments'], partition: 'date', expectBy: '07:00' },
        tasks: { t: { queue: 'nobody' } },
      },
      new Date('2026-06-01T12:00:00Z'),
    )
    await fireDueSchedules(ns.db, definitions, ns.subjects, publisher, new Date('2026-06-02T04:00:30Z')) // 06:00 Paris
    assert.equal((await runs('gated')).length, 0, 'no run before the data')
    const r = await ns.db.selectFrom('readiness').selectAll().where('workflow', '=', 'gated').executeTakeFirstOrThrow()
    assert.equal(r.partition, '2026-06-01')
    assert.equal(r.status, 'waiting')
    assert.equal(new Date(r.deadline_at!).toISOString(), '2026-06-02T05:00:00.000Z') // 07:00 Paris
    await raiseMissedReadiness(ns.db, ns.subjects, publisher, new Date('2026-06-02T05:00:01Z'))
    const alert = await ns.db.selectFrom('alerts').select('details').where('workflow', '=', 'gated').executeTakeFirstOrThrow()
    assert.deepEqual((alert.details as { missing: string[] }).missing, ['orders', 'payments'])
  })
})

describe('the scheduler in a running coordinator', () => {
  let coordinator: Coordinator
  after(async () => coordinator?.stop())
  test('a coordinator fires a due schedule on its own', async () => {
    await deploy(ns, { name: 'every_minute', schedule: { cron: '* * * * *', timezone: 'UTC', catchup: 'latest' }, tasks: { t: { queue: 'nobody' } } }, new Date(Date.now() - 5 * 60_000))
    const lastTickBeforeStart = Math.floor(Date.now() / 60_000) * 60_000
    coordinator = await startCoordinator({ config: ns.config, scheduleIntervalMs: 100 })
    const deadline = Date.now() + 20_000
    while ((await runs('every_minute')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    // The missed ticks collapse into the latest one; a minute boundary passing meanwhile adds
    // that minute's own run, so the runs are one per tick from the last one before the start.
    const fired = (await runs('every_minute')).map((r) => new Date(r.scheduled_for!).getTime())
    assert.ok(fired.length >= 1, 'a run was fired')
    // (A boundary passing while the coordinator starts makes the next tick the latest missed one.)
    assert.ok(fired[0] === lastTickBeforeStart || fired[0] === lastTickBeforeStart + 60_000, `the latest missed tick, not the older ones: ${new Date(fired[0]!).toISOString()}`)
    assert.deepEqual(fired, fired.map((_, i) => fired[0]! + i * 60_000), 'one run per tick')
  })
})
