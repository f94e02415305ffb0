import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { diffWorkflowVersions, listWorkflowHistory, newId, publishJson, type TaskCommand } from '@baton/shared'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton } from '../support/processes.js'
import { deploy, statuses, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker, type ScriptedAction } from '../support/scripted-worker.js'

// Workflow versions (issue 12, part 5): who deployed which version and when, a diff of any two,
// runs finishing on their own version while a new one is deployed, and retry from failure moving
// a run to the current version when its tasks are compatible (and saying which are not).

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
/** The worker runs what the command's handler says: `broken` fails, `slow` takes 1.5 s, anything else succeeds with its name. */
function script(cmd: TaskCommand): ScriptedAction {
  const handler = cmd.task.handler
  if (handler === 'broken') return { fail: { message: 'v1 is broken', retryable: false } }
  return { succeed: { handler }, ...(handler === 'slow' ? { delayMs: 1500 } : {}) }
}

before(async () => {
  ns = await createTestNamespace('versions')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'default', script)
})
after(async () => {
  await worker.stop()
  await coordinator.stop()
  await ns.close()
  await assertNoLeaks()
})

const V1 = { name: 'orders', tasks: { extract: { handler: 'ok' }, load: { after: ['extract'], handler: 'broken' }, report: { after: ['load'], handler: 'ok' } } }
const V2 = { name: 'orders', tasks: { extract: { handler: 'ok' }, load: { after: ['extract'], handler: 'fixed', retry: { attempts: 2 } }, report: { after: ['load'], handler: 'ok' } } }

async function retry(runId: string, toLatest: boolean): Promise<string> {
  const id = newId()
  await publishJson(ns.js, ns.subjects.runActionRequested, id, { id, runId, action: 'retry', by: 'test', ...(toLatest ? { toLatest: true } : {}) })
  return id
}

describe('versions', () => {
  test('history lists each deploy with who and when; diff names what changed', async () => {
    await deploy(ns, V1)
    await deploy(ns, V2)
    const history = (await listWorkflowHistory(ns.db, 'orders'))!
    assert.equal(history.length, 2)
    assert.deepEqual(history.map((h) => [h.deployedBy, h.current]), [['test', true], ['test', false]])
    const d = await diffWorkflowVersions(ns.db, 'orders', history[1]!.hash.slice(0, 8), 'current')
    assert.deepEqual(d.changes.map((c) => `${c.kind} ${c.path}`), ['changed tasks.load.handler', 'added tasks.load.retry'])
    await assert.rejects(diffWorkflowVersions(ns.db, 'orders', 'zz', 'current'), /'zz' is not a version/)
    await assert.rejects(diffWorkflowVersions(ns.db, 'orders', 'abcdef', 'current'), /not found/)
  })

  test('baton workflows history and diff print the same', async () => {
    const h = await runBaton(['workflows', 'history', 'orders'], ns.env)
    assert.equal(h.code, 0, h.stderr)
    assert.match(h.stdout, /│ [0-9a-f]{12} │ \d{4}-\d\d-\d\dT[\d:.]+Z │ test\s+│ 0\s+│ current/)
    const from = (await listWorkflowHistory(ns.db, 'orders'))![1]!.hash.slice(0, 10)
    const d = await runBaton(['workflows', 'diff', 'orders', from], ns.env)
    assert.equal(d.code, 0, d.stderr)
    assert.match(d.stdout, /^~ tasks\.load\.handler: "broken" → "fixed"$/m)
    assert.match(d.stdout, /^\+ tasks\.load\.retry: \{.*"attempts":2/m)
  })

  test('a running run finishes on its own version while a new one is deployed', async () => {
    await deploy(ns, { name: 'steady', tasks: { a: { handler: 'slow' }, b: { after: ['a'], handler: 'v1_b' } } })
    const runId = await trigger(ns, 'steady')
    await eventually(async () => (await ns.db.selectFrom('task_states').select('status').where('run_id', '=', runId).where('task_id', '=', 'a').executeTakeFirst())?.status === 'running', 'a to run')
    await deploy(ns, { name: 'steady', tasks: { a: { handler: 'slow' }, b: { after: ['a'], handler: 'v2_b' } } })
    const run = await waitForRun(ns, runId)
    assert.deepEqual(run.tasks.find((t) => t.id === 'b')!.output, { handler: 'v1_b' })
  })
})

describe('retry from failure onto the current version', () => {
  test('a compatible run moves to the current version and succeeds; the move is in its history', async () => {
    await deploy(ns, { name: 'fixme', tasks: { extract: { handler: 'ok' }, load: { after: ['extract'], handler: 'broken' } } })
    const runId = await trigger(ns, 'fixme')
    const failed = await waitForRun(ns, runId)
    assert.equal(failed.status, 'failed')
    const oldHash = failed.versionHash
    await deploy(ns, { name: 'fixme', tasks: { extract: { handler: 'ok' }, load: { after: ['extract'], handler: 'fixed' } } })
    await retry(runId, true)
    const run = await eventually(async () => {
      const r = await waitForRun(ns, runId)
      return r.status === 'succeeded' ? r : undefined
    }, 'the retried run to succeed')
    assert.notEqual(run.versionHash, oldHash)
    assert.deepEqual(statuses(run), { extract: 'succeeded', load: 'succeeded' })
    assert.equal(run.tasks.find((t) => t.id === 'extract')!.attempts, 1, 'succeeded tasks keep their output')
    assert.deepEqual(run.tasks.find((t) => t.id === 'load')!.output, { handler: 'fixed' })
    const moved = await ns.db.selectFrom('history').select('reason').where('run_id', '=', runId).where('kind', '=', 'run').execute()
    assert.ok(moved.some((m) => new RegExp(`moved from version ${oldHash.slice(0, 12)} to ${run.versionHash.slice(0, 12)} by test`).test(m.reason ?? '')))
  })

  test('an incompatible run is not moved: the retry is ignored, naming every task that changed shape', async () => {
    await deploy(ns, { name: 'reshaped', tasks: { extract: { handler: 'ok' }, load: { after: ['extract'], handler: 'broken' } } })
    const runId = await trigger(ns, 'reshaped')
    const failed = await waitForRun(ns, runId)
    await deploy(ns, { name: 'reshaped', tasks: { extract: { handler: 'ok' }, clean: { after: ['extract'], handler: 'ok' }, load: { after: ['clean'], handler: 'fixed' } } })
    const eventId = await retry(runId, true)
    await allEventsApplied(ns)
    const ignored = await ns.db.selectFrom('history').select('reason').where('run_id', '=', runId).where('event_id', '=', eventId).execute()
    assert.deepEqual(ignored.map((i) => i.reason), [`cannot move to version ${(await listWorkflowHistory(ns.db, 'reshaped'))![0]!.hash.slice(0, 12)}: task clean is new; task load's upstream changed (extract → clean)`])
    const after = await waitForRun(ns, runId)
    assert.equal(after.status, 'failed')
    assert.equal(after.versionHash, failed.versionHash)
    // Without --to-latest the retry runs on the run's own version (and fails the same way).
    await retry(runId, false)
    await eventually(async () => (await waitForRun(ns, runId)).tasks.find((t) => t.id === 'load')!.attempts === 2, 'the plain retry to run load again')
    assert.equal((await waitForRun(ns, runId)).versionHash, failed.versionHash)
  })
})
