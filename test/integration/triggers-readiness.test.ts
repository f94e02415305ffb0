import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { decodeJson, newId, publishJson, type SourceLanded } from '@baton/shared'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// Source-landed readiness per partition, deadlines, late data and `produces` chaining, against
// a live coordinator on real NATS and Postgres.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>

before(async () => {
  ns = await createTestNamespace('readiness')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50, scheduleIntervalMs: 100 })
  worker = await startScriptedWorker(ns, 'ready', () => ({ succeed: { ok: true } }))
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

async function land(source: string, partition: string | undefined, id = newId(), extra: Partial<SourceLanded> = {}): Promise<string> {
  await publishJson(ns.js, ns.subjects.source(source), id, { id, source, ...(partition ? { partition } : {}), uri: `s3://lake/${source}/${partition}`, ...extra })
  return id
}

async function runsOf(workflow: string, partition?: string) {
  let q = ns.db.selectFrom('runs').select(['id', 'partition', 'status', 'trigger']).where('workflow', '=', workflow)
  if (partition) q = q.where('partition', '=', partition)
  return q.execute()
}

describe('readiness keyed by partition across several sources', () => {
  test('three sources landing in every order, with duplicates, start exactly one run per partition', async () => {
    await deploy(ns, { name: 'joined', when: { sourcesLanded: ['orders', 'payments', 'refunds'], partition: 'date' }, tasks: { build: { queue: 'ready' } } })
    const orders = [
      ['orders', 'payments', 'refunds'],
      ['orders', 'refunds', 'payments'],
      ['payments', 'orders', 'refunds'],
      ['payments', 'refunds', 'orders'],
      ['refunds', 'orders', 'payments'],
      ['refunds', 'payments', 'orders'],
    ]
    const partitions = orders.map((_o, i) => `2026-06-0${i + 1}`)
    for (const [i, order] of orders.entries()) {
      for (const source of order) {
        const id = newId()
        await land(source, partitions[i], id)
        await land(source, partitions[i], id) // the same event again (JetStream de-duplicates it)
        await land(source, partitions[i]) // the same landing under a new id
      }
    }
    for (const p of partitions) {
      const [run] = await eventually(async () => {
        const r = await runsOf('joined', p)
        return r.length > 0 && r.every((x) => x.status === 'succeeded') ? r : undefined
      }, `run for ${p}`)
      assert.equal(run!.trigger, 'readiness')
    }
    // Nothing more starts afterwards: every landing applied, still one run per partition.
    await allEventsApplied(ns)
    for (const p of partitions) assert.equal((await runsOf('joined', p)).length, 1, `one run for ${p}`)
    const landings = await ns.db.selectFrom('source_landings').select(['source', 'partition', 'uri']).where('partition', '=', partitions[0]!).execute()
    assert.equal(landings.length, 6, 'each landing recorded with its uri (duplicate event ids once)')
    assert.ok(landings.every((l) => l.uri?.startsWith('s3://lake/')))
  })

  test('a partial partition starts nothing; a landing after success reruns only when the workflow opts in', async () => {
    await deploy(ns, { name: 'strict', when: { sourcesLanded: ['a_src', 'b_src'], partition: 'date' }, tasks: { t: { queue: 'ready' } } })
    await deploy(ns, { name: 'lenient', when: { sourcesLanded: ['a_src', 'b_src'], partition: 'date', rerunOnLateData: true }, tasks: { t: { queue: 'ready' } } })
    const partial = await land('a_src', '2026-07-01')
    // Applied (recorded, and any run it starts committed with it), and nothing started.
    await allEventsApplied(ns)
    assert.ok(await ns.db.selectFrom('source_landings').select('id').where('event_id', '=', partial).executeTakeFirst(), 'the landing was recorded')
    assert.equal((await runsOf('strict', '2026-07-01')).length, 0, 'no run on partial inputs')
    assert.equal((await runsOf('lenient', '2026-07-01')).length, 0, 'no run on partial inputs')
    await land('b_src', '2026-07-01')
    for (const wf of ['strict', 'lenient']) {
      await eventually(async () => (await runsOf(wf, '2026-07-01')).some((r) => r.status === 'succeeded'), `${wf} ran`)
    }
    await land('a_src', '2026-07-01') // late data
    await eventually(async () => (await runsOf('lenient', '2026-07-01')).filter((r) => r.status === 'succeeded').length === 2, 'lenient reran')
    assert.equal((await runsOf('lenient', '2026-07-01')).find((r) => r.trigger === 'late_data')?.status, 'succeeded')
    await allEventsApplied(ns)
    assert.equal((await runsOf('strict', '2026-07-01')).length, 1, 'strict did not rerun')
  })

  test('expectBy passed: readiness_missed names the missing sources and the partition, and no run starts', async () => {
    await deploy(ns, { name: 'deadline', owner: 'data-team', when: { sourcesLanded: ['late_a', 'late_b'], partition: 'date', expectBy: '1s' }, tasks: { t: { queue: 'ready' } } })
    const consumerName = `alerts_${newId().slice(-8)}`
    await ns.jsm.consumers.add(ns.subjects.alertsStream, { durable_name: consumerName, ack_policy: 'explicit' as never, filter_subject: ns.subjects.alert('readiness_missed') })
    await land('late_a', '2026-08-01')
    const alert = await eventually(async () => ns.db.selectFrom('alerts').select(['kind', 'workflow', 'partition', 'details']).where('workflow', '=', 'deadline').executeTakeFirst(), 'alert recorded')
    assert.equal(alert.partition, '2026-08-01')
    assert.deepEqual((alert.details as { missing: string[] }).missing, ['late_b'])
    const consumer = await ns.js.consumers.get(ns.subjects.alertsStream, consumerName)
    const msg = await consumer.next({ expires: 5000 })
    assert.ok(msg, 'alert published on the alerts stream')
    const body = decodeJson(msg.data) as { type: string; missing: string[]; owner: string }
    assert.equal(body.type, 'readiness_missed')
    assert.deepEqual(body.missing, ['late_b'])
    assert.equal(body.owner, 'data-team')
    await allEventsApplied(ns)
    assert.equal((await runsOf('deadline')).length, 0)
  })
})

describe('runs started by data', () => {
  test("a required param named after the partition kind is filled with the run's partition", async () => {
    await deploy(ns, {
      name: 'needs_date',
      params: { type: 'object', properties: { date: { type: 'string' } }, required: ['date'] },
      when: { sourcesLanded: ['dated_src'], partition: 'date' },
      tasks: { t: { queue: 'ready' } },
    })
    await land('dated_src', '2026-10-05')
    const [run] = await eventually(async () => {
      const r = await ns.db.selectFrom('runs').select(['status', 'params']).where('workflow', '=', 'needs_date').execute()
      return r.length > 0 && r[0]!.status === 'succeeded' ? r : undefined
    }, 'run')
    assert.deepEqual(run!.params, { date: '2026-10-05' })
  })

  test('one source feeding workflows of different partition kinds reaches those it fits', async () => {
    await deploy(ns, { name: 'by_day', when: { sourcesLanded: ['shared_src'], partition: 'date' }, tasks: { t: { queue: 'ready' } } })
    await deploy(ns, { name: 'by_key', when: { sourcesLanded: ['shared_src'], partition: 'key' }, tasks: { t: { queue: 'ready' } } })
    await land('shared_src', 'batch-42')
    await eventually(async () => (await runsOf('by_key', 'batch-42')).some((r) => r.status === 'succeeded'), 'by_key ran')
    assert.equal((await runsOf('by_day')).length, 0)
  })
})

describe('bad source-landed events are dead-lettered with the reason', () => {
  test('unknown source, missing partition, and a partition that does not parse for the workflow', async () => {
    await deploy(ns, { name: 'hourly_wait', when: { sourcesLanded: ['clicks'], partition: 'hour' }, tasks: { t: { queue: 'ready' } } })
    const sent = [await land('nobody_waits_for_this', '2026-01-01'), await land('clicks', undefined), await land('clicks', '2026-01-01')]
    await allEventsApplied(ns)
    const rows = await ns.db.selectFrom('dead_letters').select(['msg_id', 'reason']).where('msg_id', 'in', sent).execute()
    assert.deepEqual(sent.map((id) => rows.find((r) => r.msg_id === id)?.reason), [
      "unknown source 'nobody_waits_for_this': no deployed workflow waits for or produces it",
      "partition is required: workflow 'hourly_wait' waits for 'clicks' by hour",
      'partition "2026-01-01" does not parse for workflow \'hourly_wait\' (hour): expected YYYY-MM-DDTHH (hour 00-23)',
    ])
    assert.equal(rows.length, 3, 'each dead-lettered once')
    assert.equal((await runsOf('hourly_wait')).length, 0)
  })
})

describe('cross-workflow dependencies', () => {
  test('produces chains two workflows on the same partition, once per successful run', async () => {
    await deploy(ns, { name: 'upstream_wf', produces: ['facts_ready'], tasks: { build: { queue: 'ready' } } })
    await deploy(ns, { name: 'downstream_wf', when: { sourcesLanded: ['facts_ready'], partition: 'date' }, tasks: { export: { queue: 'ready' } } })
    const up = await waitForRun(ns, await trigger(ns, 'upstream_wf', { partition: '2026-09-01' }))
    assert.equal(up.status, 'succeeded')
    const [down] = await eventually(async () => {
      const r = await runsOf('downstream_wf', '2026-09-01')
      return r.length > 0 && r[0]!.status === 'succeeded' ? r : undefined
    }, 'downstream run')
    assert.equal(down!.trigger, 'readiness')
    const produced = await ns.db.selectFrom('source_landings').select(['event_id', 'meta']).where('source', '=', 'facts_ready').execute()
    assert.equal(produced.length, 1)
    assert.deepEqual((produced[0]!.meta as { producedBy: { runId: string } }).producedBy.runId, up.id)
  })

  test('a request with params that fail the schema, or a partition of the wrong kind, is dead-lettered naming the field', async () => {
    await deploy(ns, { name: 'typed', params: { type: 'object', properties: { date: { type: 'string' } }, required: ['date'] }, tasks: { t: { queue: 'ready' } } })
    const id = newId()
    await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow: 'typed', params: { date: 5 }, partition: 'not-a-date' })
    const reason = await eventually(async () => (await ns.db.selectFrom('dead_letters').select('reason').where('msg_id', '=', id).executeTakeFirst())?.reason, 'dead letter')
    assert.match(reason, /params\.date/)
    assert.match(reason, /partition: "not-a-date" is not a date partition/)
    assert.equal((await runsOf('typed')).length, 0)
  })
})
