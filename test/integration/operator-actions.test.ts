import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { getRunDetails, newId, publishJson, type RunActionRequested, type WorkflowPauseRequested } from '@baton/shared'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, duplicateTransitions, executionsPerTask, statuses, trigger, waitForRun } from '../support/runs.js'

// Operator actions as the API sends them (one event each on `<ns>.events.run.action_requested`
// and `<ns>.events.workflow.pause_requested`), applied by a live coordinator on real NATS and
// Postgres, with a scripted worker whose ledger shows exactly which handlers ran again.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
/** Tasks that fail (non-retryable) while their id is in here. */
const failing = new Set<string>()

before(async () => {
  ns = await createTestNamespace('operator_actions')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50, scheduleIntervalMs: 100 })
  worker = await startScriptedWorker(ns, 'ops', (cmd) => (failing.has(`${cmd.workflow}.${cmd.taskId}`) ? { fail: { message: 'source broken', retryable: false } } : { succeed: { rows: cmd.attempt } }))
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

type ActionBody = Omit<RunActionRequested, 'id' | 'by' | 'scope'> & Partial<Pick<RunActionRequested, 'by' | 'scope'>>

/** Sends an operator action and waits until the coordinator recorded it (applied or ignored). */
async function act(body: ActionBody): Promise<{ id: string; kinds: string[]; reasons: string[] }> {
  const id = newId()
  await publishJson(ns.js, ns.subjects.runActionRequested, id, { id, by: 'token:oncall', ...body })
  const rows = await eventually(async () => {
    const r = await ns.db.selectFrom('history').select(['kind', 'reason']).where('run_id', '=', body.runId).where('event_id', '=', id).execute()
    return r.length > 0 ? r : undefined
  }, `action ${body.action} to be applied`)
  return { id, kinds: rows.map((r) => r.kind), reasons: rows.map((r) => r.reason ?? '') }
}

async function pause(workflow: string, paused: boolean): Promise<void> {
  const id = newId()
  await publishJson(ns.js, ns.subjects.workflowPauseRequested, id, { id, workflow, paused, by: 'token:oncall', reason: 'source broken' } satisfies WorkflowPauseRequested)
  await allEventsApplied(ns)
}

const ledger = (runId: string) => executionsPerTask(worker.executions.filter((e) => e.runId === runId))
const PIPELINE = (name: string) => ({ name, tasks: { extract: { queue: 'ops' }, transform: { queue: 'ops', after: ['extract'] }, load: { queue: 'ops', after: ['transform'] }, audit: { queue: 'ops' } } })

describe('retry from failure', () => {
  test('keeps the succeeded tasks (their handlers do not run again) and reruns only the failed part', async () => {
    await deploy(ns, PIPELINE('retry_wf'))
    failing.add('retry_wf.transform')
    const runId = await trigger(ns, 'retry_wf')
    const failed = await waitForRun(ns, runId)
    assert.deepEqual(statuses(failed), { extract: 'succeeded', transform: 'failed', load: 'upstream_failed', audit: 'succeeded' })
    failing.delete('retry_wf.transform')

    const { kinds } = await act({ runId, action: 'retry', reason: 'source fixed' })
    assert.ok(kinds.includes('transition'))
    const done = await waitForRun(ns, runId)
    assert.equal(done.status, 'succeeded')
    assert.deepEqual(ledger(runId), { [`${runId}/extract`]: 1, [`${runId}/transform`]: 2, [`${runId}/load`]: 1, [`${runId}/audit`]: 1 })
    const transform = done.tasks.find((t) => t.id === 'transform')!
    assert.deepEqual(transform.attemptDetails.map((a) => a.status), ['failed', 'succeeded'])
    assert.equal(done.tasks.find((t) => t.id === 'extract')!.attempts, 1)
    assert.deepEqual(await duplicateTransitions(ns.db, runId), [])
  })

  test('a second retry of the now-succeeded run is recorded as ignored with the reason, and changes nothing', async () => {
    const runId = (await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'retry_wf').executeTakeFirstOrThrow()).id
    const before = await getRunDetails(ns.db, runId)
    const { kinds, reasons } = await act({ runId, action: 'retry' })
    assert.deepEqual(kinds, ['ignored'])
    assert.match(reasons[0]!, /run is succeeded/)
    await allEventsApplied(ns)
    assert.deepEqual(await getRunDetails(ns.db, runId), before)
  })
})

describe('clear', () => {
  test('a task with its downstream runs again in the finished run; its upstream does not', async () => {
    await deploy(ns, PIPELINE('clear_wf'))
    const runId = await trigger(ns, 'clear_wf')
    assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
    await act({ runId, action: 'clear', taskId: 'transform', scope: 'downstream', reason: 'bad join' })
    const done = await eventually(async () => {
      const r = await waitForRun(ns, runId)
      return r.tasks.find((t) => t.id === 'load')!.attempts === 2 ? r : undefined
    }, 'load to run again')
    assert.equal(done.status, 'succeeded')
    assert.deepEqual(ledger(runId), { [`${runId}/extract`]: 1, [`${runId}/transform`]: 2, [`${runId}/load`]: 2, [`${runId}/audit`]: 1 })
  })
})

describe('mark', () => {
  test('marking a failed task succeeded unblocks its downstream and the run succeeds', async () => {
    await deploy(ns, PIPELINE('mark_wf'))
    failing.add('mark_wf.transform')
    const runId = await trigger(ns, 'mark_wf')
    assert.equal((await waitForRun(ns, runId)).status, 'failed')
    await act({ runId, action: 'mark', taskId: 'transform', status: 'succeeded', reason: 'loaded by hand' })
    const done = await eventually(async () => {
      const r = await getRunDetails(ns.db, runId)
      return r?.status === 'succeeded' ? r : undefined
    }, 'the run to succeed')
    assert.deepEqual(statuses(done), { extract: 'succeeded', transform: 'succeeded', load: 'succeeded', audit: 'succeeded' })
    assert.equal(ledger(runId)[`${runId}/transform`], 1, 'marked, not run again')
    failing.delete('mark_wf.transform')
  })

  test('an action without its required field is dead-lettered with the field named', async () => {
    const id = newId()
    await publishJson(ns.js, ns.subjects.runActionRequested, id, { id, runId: newId(), action: 'mark', taskId: 'x', by: 'u' })
    await allEventsApplied(ns)
    const letter = await ns.db.selectFrom('dead_letters').select('reason').where('msg_id', '=', id).executeTakeFirstOrThrow()
    assert.match(letter.reason, /status: required for action mark/)
    assert.match(letter.reason, /reason: required for action mark/)
  })
})

describe('approval tasks', () => {
  const GATED = (name: string, timeout = '1h') => ({ name, owner: 'finance', tasks: { extract: { queue: 'ops' }, sign_off: { kind: 'approval' as const, after: ['extract'], timeout }, load: { queue: 'ops', after: ['sign_off'] } } })

  test('waits without a worker and alerts the owner; approved → downstream runs, the alert resolves', async () => {
    await deploy(ns, GATED('approve_wf'))
    const runId = await trigger(ns, 'approve_wf')
    await eventually(async () => (await getRunDetails(ns.db, runId))?.tasks.find((t) => t.id === 'sign_off')?.status === 'running', 'sign_off to wait')
    const alert = await eventually(() => ns.db.selectFrom('alerts').selectAll().where('kind', '=', 'approval_waiting').where('run_id', '=', runId).executeTakeFirst(), 'the approval alert')
    assert.equal(alert.owner, 'finance')
    assert.equal(alert.status, 'firing')
    assert.equal(worker.executions.filter((e) => e.runId === runId && e.taskId === 'sign_off').length, 0, 'no worker ever got the approval task')
    await act({ runId, action: 'approve', taskId: 'sign_off', by: 'oidc:ann', reason: 'numbers checked' })
    const done = await waitForRun(ns, runId)
    assert.deepEqual(statuses(done), { extract: 'succeeded', sign_off: 'succeeded', load: 'succeeded' })
    assert.deepEqual((done.tasks.find((t) => t.id === 'sign_off')!.output as { by: string }).by, 'oidc:ann')
    const resolved = await ns.db.selectFrom('alerts').select('status').where('id', '=', alert.id).executeTakeFirstOrThrow()
    assert.equal(resolved.status, 'resolved')
  })

  test('rejected → the task fails with who and why, downstream upstream_failed', async () => {
    await deploy(ns, GATED('reject_wf'))
    const runId = await trigger(ns, 'reject_wf')
    await eventually(async () => (await getRunDetails(ns.db, runId))?.tasks.find((t) => t.id === 'sign_off')?.status === 'running', 'sign_off to wait')
    await act({ runId, action: 'reject', taskId: 'sign_off', by: 'oidc:bob', reason: 'totals off' })
    const done = await waitForRun(ns, runId)
    assert.deepEqual(statuses(done), { extract: 'succeeded', sign_off: 'failed', load: 'upstream_failed' })
    assert.deepEqual(done.tasks.find((t) => t.id === 'sign_off')!.error, { message: 'rejected by oidc:bob: totals off', retryable: false, kind: 'approval_rejected' })
  })

  test('nobody decides before the timeout → failed closed (approval_timeout)', async () => {
    await deploy(ns, GATED('timeout_wf', '1s'))
    const runId = await trigger(ns, 'timeout_wf')
    const done = await waitForRun(ns, runId)
    assert.deepEqual(statuses(done), { extract: 'succeeded', sign_off: 'failed', load: 'upstream_failed' })
    assert.equal((done.tasks.find((t) => t.id === 'sign_off')!.error as { kind: string }).kind, 'approval_timeout')
  })

  test('approving a task that is not waiting is ignored with the reason', async () => {
    const runId = (await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'approve_wf').executeTakeFirstOrThrow()).id
    const { kinds, reasons } = await act({ runId, action: 'reject', taskId: 'sign_off' })
    assert.deepEqual(kinds, ['ignored'])
    assert.match(reasons[0]!, /run is succeeded|not waiting/)
  })
})

describe('pause and unpause', () => {
  test('landings while paused are recorded and start nothing (held); unpause starts the held partitions', async () => {
    await deploy(ns, { name: 'gated_wf', when: { sourcesLanded: ['raw_orders'], partition: 'date' }, tasks: { build: { queue: 'ops' } } })
    await pause('gated_wf', true)
    const paused = await ns.db.selectFrom('workflows').select(['paused', 'paused_by', 'pause_reason']).where('name', '=', 'gated_wf').executeTakeFirstOrThrow()
    assert.deepEqual(paused, { paused: true, paused_by: 'token:oncall', pause_reason: 'source broken' })
    for (const partition of ['2026-06-01', '2026-06-02']) {
      const id = newId()
      await publishJson(ns.js, ns.subjects.source('raw_orders'), id, { id, source: 'raw_orders', partition })
    }
    await allEventsApplied(ns)
    assert.equal((await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'gated_wf').execute()).length, 0, 'no run while paused')
    assert.equal((await ns.db.selectFrom('source_landings').select('id').where('source', '=', 'raw_orders').execute()).length, 2, 'landings recorded')
    const held = await ns.db.selectFrom('readiness').select(['partition', 'status']).where('workflow', '=', 'gated_wf').orderBy('partition').execute()
    assert.deepEqual(held, [{ partition: '2026-06-01', status: 'held' }, { partition: '2026-06-02', status: 'held' }])

    await pause('gated_wf', false)
    // No schedule: every held partition is data waiting to be processed (catch-up `all`).
    const runs = await eventually(async () => {
      const r = await ns.db.selectFrom('runs').select(['partition', 'status', 'trigger']).where('workflow', '=', 'gated_wf').orderBy('partition').execute()
      return r.length === 2 && r.every((x) => x.status === 'succeeded') ? r : undefined
    }, 'the held partitions to run')
    assert.deepEqual(runs, [
      { partition: '2026-06-01', status: 'succeeded', trigger: 'readiness' },
      { partition: '2026-06-02', status: 'succeeded', trigger: 'readiness' },
    ])
  })

  test('cron ticks while paused start nothing; unpause catches up by the schedule (latest: one run)', async () => {
    await deploy(ns, { name: 'cron_wf', schedule: { cron: '*/2 * * * * *', catchup: 'latest', partition: 'key' }, tasks: { t: { queue: 'ops' } } })
    await pause('cron_wf', true)
    const pausedAt = new Date()
    // Several ticks come due while paused; the scheduler (every 100 ms) passes over them ~30 times.
    await new Promise((r) => setTimeout(r, 3_000))
    const during = await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'cron_wf').where('created_at', '>', pausedAt).execute()
    assert.equal(during.length, 0, 'no run from a tick while paused')
    const schedule = await ns.db.selectFrom('schedules').select('next_fire_at').where('workflow', '=', 'cron_wf').executeTakeFirstOrThrow()
    assert.ok(new Date(schedule.next_fire_at) <= new Date(), 'the held tick is still due')
    await pause('cron_wf', false)
    const caughtUp = await eventually(async () => {
      const r = await ns.db.selectFrom('runs').select(['scheduled_for', 'created_at']).where('workflow', '=', 'cron_wf').where('created_at', '>', pausedAt).orderBy('created_at').execute()
      return r.length > 0 ? r : undefined
    }, 'the catch-up run')
    // The catch-up is one transaction: every run it created has its `created_at` (the
    // transaction's start). A tick falling due just after it is fired on time by the next pass,
    // in a transaction of its own, and is not part of the catch-up.
    const catchUpAt = new Date(caughtUp[0]!.created_at).getTime()
    const missedDuringPause = caughtUp.filter((r) => new Date(r.created_at).getTime() === catchUpAt)
    assert.equal(missedDuringPause.length, 1, 'catchup latest: one run for the ticks missed while paused')
  })

  test('pausing an unknown workflow is dead-lettered with the reason', async () => {
    const id = newId()
    await publishJson(ns.js, ns.subjects.workflowPauseRequested, id, { id, workflow: 'no_such_wf', paused: true, by: 'u' })
    await allEventsApplied(ns)
    const letter = await ns.db.selectFrom('dead_letters').select('reason').where('msg_id', '=', id).executeTakeFirstOrThrow()
    assert.equal(letter.reason, "unknown workflow 'no_such_wf'")
  })
})
