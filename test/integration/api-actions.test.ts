import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createApiToken, createLogger, getBackfillStatus, getRunDetails, type RunDetails } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { deploy, executionsPerTask, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker } from '../support/scripted-worker.js'

// The HTTP API's operator actions (docs/api.md, docs/operations.md "Operator actions") over real
// HTTP against a live coordinator and a scripted worker: every action route's success and its 409,
// 404 for unknown ids, 400 naming the field, idempotency keys, approvers, the audit line of each
// action, and a matrix of every role and scope against every action route.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
let api: RunningApi
/** `workflow.task` keys whose attempts fail; `workflow.task` keys that hang (started, never finish). */
const failing = new Set<string>()
const hanging = new Set<string>()
const tokens: Record<string, string> = {}
const NO_RUN = '00000000-0000-4000-8000-000000000000'

interface Answer {
  status: number
  body: any
}

async function call(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}
const post = (path: string, body: unknown = {}, token = tokens.admin, headers: Record<string, string> = {}) => call('POST', path, token, body, headers)

/** The `error` of an error answer, checked for its status. */
function errorOf(a: Answer, status: number): { code: string; message: string; details: any } {
  assert.equal(a.status, status, JSON.stringify(a.body))
  return a.body.error
}

/** A 400 naming `field` (its path or its name). */
function assertBadField(a: Answer, field: string): void {
  const e = errorOf(a, 400)
  assert.equal(e.code, 'VALIDATION_FAILED')
  assert.ok(
    (e.details?.issues ?? []).some((i: { path: string }) => i.path === field || i.path.endsWith(`.${field}`)),
    `the 400 names ${field}: ${JSON.stringify(e.details)}`,
  )
}

const PIPE = (name: string, owner = 'fin') => ({
  name,
  owner,
  tasks: { extract: { queue: 'actq' }, transform: { queue: 'actq', after: ['extract'] }, load: { queue: 'actq', after: ['transform'] } },
})
const GATE = (name: string, approvers?: string[]) => ({
  name,
  owner: 'fin',
  tasks: { prep: { queue: 'actq' }, gate: { kind: 'approval' as const, after: ['prep'], timeout: '1h', ...(approvers ? { approvers } : {}) }, ship: { queue: 'actq', after: ['gate'] } },
})

async function runOf(id: string): Promise<RunDetails> {
  return (await getRunDetails(ns.db, id))!
}
const statusOf = async (id: string, task: string) => (await runOf(id)).tasks.find((t) => t.id === task)!.status

/** A run of a PIPE workflow that failed at transform. */
async function failedRun(workflow: string): Promise<string> {
  failing.add(`${workflow}.transform`)
  const id = await trigger(ns, workflow)
  await waitForRun(ns, id)
  failing.delete(`${workflow}.transform`)
  return id
}

/** A run of a GATE workflow waiting at its approval. */
async function waitingRun(workflow: string): Promise<string> {
  const id = await trigger(ns, workflow)
  await eventually(async () => (await statusOf(id, 'gate')) === 'running', 'the approval to wait')
  return id
}

/** The newest audit line. */
async function lastAudit() {
  return ns.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
}

before(async () => {
  ns = await createTestNamespace('api_actions')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'actq', (cmd) => {
    const key = `${cmd.workflow}.${cmd.taskId}`
    if (hanging.has(key)) return { hang: true }
    if (failing.has(key)) return { fail: { message: `${cmd.taskId} broke`, retryable: false } }
    return { succeed: { task: cmd.taskId, attempt: cmd.attempt } }
  })
  for (const name of ['act_pipe', 'act_idem', 'act_cancel', 'act_mark']) await deploy(ns, PIPE(name))
  await deploy(ns, GATE('act_gate'))
  await deploy(ns, GATE('act_team', ['approvers_team']))
  await deploy(ns, PIPE('act_arch'))
  await deploy(ns, PIPE('mx_fin'))
  await deploy(ns, { name: 'mx_gated', owner: 'fin', when: { sourcesLanded: ['mx_src'], partition: 'date' }, tasks: { build: { queue: 'actq' } } })
  const mint = async (name: string, grants: { role: string; workflows?: string; owner?: string }[]) => (tokens[name] = (await createApiToken(ns.db, { name, grants, expiresAt: null, createdBy: 'test' })).secret)
  await mint('admin', [{ role: 'admin' }])
  await mint('approver', [{ role: 'approver' }])
  // An approver who is also a member of `approvers_team`: a grant with that owner counts.
  await mint('team-approver', [{ role: 'approver' }, { role: 'viewer', owner: 'approvers_team' }])
  for (const role of ROLES) for (const scope of SCOPES) await mint(`mx-${role}-${scope.name}`, [{ role, ...scope.grant }])
  await createApiToken(ns.db, { name: 'mx-dummy', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })
  api = await startApi({
    config: loadApiConfig(ns.env, { port: 0, host: '127.0.0.1', authFailuresPerMinute: 10_000 }),
    nc: ns.nc,
    startupTimeoutMs: 0,
    logger: createLogger({ level: 'silent' }),
  })
})

after(async () => {
  await api?.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

describe('each action route: success, 409, and the audit line', () => {
  test('cancel: a running run is cancelled (200); a finished one is a 409 with the reason', async () => {
    hanging.add('act_cancel.transform')
    const id = await trigger(ns, 'act_cancel')
    await eventually(async () => (await statusOf(id, 'transform')) === 'running', 'transform to run')
    const a = await post(`/runs/${id}/cancel`, { reason: 'wrong day' })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(a.body.outcome, 'applied')
    assert.equal(a.body.runId, id)
    await eventually(async () => (await runOf(id)).status === 'cancelled', 'the run to be cancelled')
    hanging.delete('act_cancel.transform')
    const again = errorOf(await post(`/runs/${id}/cancel`), 409)
    assert.equal(again.code, 'CONFLICT')
    assert.match(again.details.reason, /is cancelled: only a queued or running run is cancelled/)
    const audit = await lastAudit()
    assert.equal(audit.action, 'run.cancel')
    assert.equal(audit.result, 'failed')
    assert.equal(audit.status, 409)
  })

  test('retry: a running run is a 409; a failed run is retried from failure, succeeded tasks kept', async () => {
    const waiting = await waitingRun('act_gate')
    const busy = errorOf(await post(`/runs/${waiting}/retry`), 409)
    assert.match(busy.details.reason, /is running: only a failed or cancelled run is retried from failure/)
    const id = await failedRun('act_pipe')
    const a = await post(`/runs/${id}/retry`, { reason: 'source fixed' })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(a.body.outcome, 'applied')
    const done = await waitForRun(ns, id)
    assert.equal(done.status, 'succeeded')
    const ledger = executionsPerTask(worker.executions)
    assert.equal(ledger[`${id}/extract`], 1, 'extract kept its output')
    assert.equal(ledger[`${id}/transform`], 2)
    const audit = await lastAudit()
    assert.equal(audit.action, 'run.retry')
    assert.equal(audit.actor, 'token:admin')
    assert.equal(audit.role, 'admin')
    assert.equal(audit.resource, `run:${id}`)
    assert.equal(audit.result, 'ok')
  })

  test('clear with its downstream reruns the task and what it feeds; a bad scope is a 400 naming it', async () => {
    const id = await trigger(ns, 'act_pipe')
    await waitForRun(ns, id)
    assertBadField(await post(`/runs/${id}/tasks/transform/clear`, { scope: 'sideways' }), 'scope')
    const a = await post(`/runs/${id}/tasks/transform/clear`, { scope: 'downstream' })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    await eventually(async () => {
      const ledger = executionsPerTask(worker.executions)
      return ledger[`${id}/load`] === 2 && (await runOf(id)).status === 'succeeded'
    }, 'transform and load to run again')
    assert.equal(executionsPerTask(worker.executions)[`${id}/extract`], 1)
    assert.equal((await lastAudit()).action, 'task.clear')
  })

  test('mark: without a reason or with a bad status is a 400 naming the field; the same status is a 409; a mark applies', async () => {
    const id = await trigger(ns, 'act_mark')
    await waitForRun(ns, id)
    assertBadField(await post(`/runs/${id}/tasks/transform/mark`, { status: 'failed' }), 'reason')
    assertBadField(await post(`/runs/${id}/tasks/transform/mark`, { status: 'done', reason: 'x' }), 'status')
    const same = errorOf(await post(`/runs/${id}/tasks/transform/mark`, { status: 'succeeded', reason: 'again' }), 409)
    assert.match(same.details.reason, /task transform is already succeeded/)
    const a = await post(`/runs/${id}/tasks/transform/mark`, { status: 'failed', reason: 'totals wrong' })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    await eventually(async () => (await runOf(id)).status === 'failed', 'the run to fail closed')
    assert.equal(await statusOf(id, 'load'), 'upstream_failed')
    const audit = await lastAudit()
    assert.equal(audit.action, 'task.mark')
    assert.deepEqual((audit.params as any).body, { status: 'failed', reason: 'totals wrong' })
  })

  test('approve and reject: a task not waiting is a 409; a waiting approval is decided', async () => {
    const id = await waitingRun('act_gate')
    const notWaiting = errorOf(await post(`/runs/${id}/tasks/prep/approve`), 409)
    assert.match(notWaiting.details.reason, /not an approval task/)
    assert.equal((await post(`/runs/${id}/tasks/gate/approve`, { reason: 'ok' })).status, 200)
    await eventually(async () => (await runOf(id)).status === 'succeeded', 'the approved run to succeed')
    const late = errorOf(await post(`/runs/${id}/tasks/gate/approve`), 409)
    assert.match(late.details.reason, /task gate is succeeded: it is not waiting for approval/)
    assert.equal((await runOf(id)).tasks.find((t) => t.id === 'gate')!.kind, 'approval')
    const other = await waitingRun('act_gate')
    const r = await post(`/runs/${other}/tasks/gate/reject`, { reason: 'no' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    await eventually(async () => (await runOf(other)).status === 'failed', 'the rejected run to fail')
    const audit = await lastAudit()
    assert.equal(audit.action, 'task.reject')
    assert.equal(audit.result, 'ok')
  })

  test('approvers: a principal outside them is refused (403), a member through an owner grant may decide', async () => {
    const id = await waitingRun('act_team')
    const refused = errorOf(await post(`/runs/${id}/tasks/gate/approve`, {}, tokens.approver), 403)
    assert.equal(refused.code, 'FORBIDDEN')
    assert.equal(refused.details.missing, 'approve')
    assert.match(refused.message, /may be decided only by approvers_team/)
    assert.equal((await lastAudit()).result, 'denied')
    const a = await post(`/runs/${id}/tasks/gate/approve`, { reason: 'team says yes' }, tokens['team-approver'])
    assert.equal(a.status, 200, JSON.stringify(a.body))
    await eventually(async () => (await runOf(id)).status === 'succeeded', 'the approved run to succeed')
    const gate = (await runOf(id)).tasks.find((t) => t.id === 'gate')!
    assert.equal((gate.output as { by: string }).by, 'token:team-approver')
  })

  test('pause and unpause: applied, recorded on the workflow, audited', async () => {
    const p = await post('/workflows/act_pipe/pause', { reason: 'source broken' })
    assert.equal(p.status, 200, JSON.stringify(p.body))
    assert.deepEqual({ paused: p.body.paused, outcome: p.body.outcome }, { paused: true, outcome: 'applied' })
    assert.equal((await lastAudit()).action, 'workflow.pause')
    const u = await post('/workflows/act_pipe/unpause')
    assert.equal(u.status, 200)
    assert.equal(u.body.paused, false)
    assert.equal((await lastAudit()).action, 'workflow.unpause')
  })

  test('archive and restore: restoring a workflow that is not archived is a 409', async () => {
    const not = errorOf(await post('/workflows/act_arch/restore'), 409)
    assert.match(not.message, /is not archived/)
    const a = await post('/workflows/act_arch/archive')
    assert.equal(a.status, 200)
    assert.deepEqual({ changed: a.body.changed, archived: a.body.archived }, { changed: true, archived: true })
    assert.equal((await post('/workflows/act_arch/archive')).body.changed, false)
    const r = await post('/workflows/act_arch/restore')
    assert.equal(r.status, 200)
    assert.equal(r.body.restored, true)
    assert.equal((await lastAudit()).action, 'workflow.restore')
  })

  test('deploy: a definition whose name is not the path is a 400 naming body.name; a valid one is deployed', async () => {
    assertBadField(await call('PUT', '/workflows/act_new', tokens.admin, PIPE('act_other')), 'name')
    const a = await call('PUT', '/workflows/act_new', tokens.admin, PIPE('act_new'))
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(a.body.changed, true)
    assert.equal((await call('PUT', '/workflows/act_new', tokens.admin, PIPE('act_new'))).body.changed, false)
    assert.equal((await lastAudit()).action, 'workflow.deploy')
  })

  test('trigger: 201 with the run, the same idempotency key answers the same run (200)', async () => {
    const a = await post('/runs', { workflow: 'act_pipe', idempotencyKey: 'act-key-1' })
    assert.equal(a.status, 201, JSON.stringify(a.body))
    assert.equal(a.body.created, true)
    const b = await post('/runs', { workflow: 'act_pipe', idempotencyKey: 'act-key-1' })
    assert.equal(b.status, 200)
    assert.deepEqual(b.body, { runId: a.body.runId, created: false, idempotencyKey: 'act-key-1' })
    assertBadField(await post('/runs', { workflow: 'act_pipe', params: {}, extra: 1 }), 'extra')
    await waitForRun(ns, a.body.runId)
  })

  test('a landing over HTTP starts the run it completes; a bad partition is a 400, an unknown source a 404, a viewer a 403', async () => {
    await deploy(ns, { name: 'act_landed', owner: 'fin', when: { sourcesLanded: ['act_orders'], partition: 'date' }, tasks: { build: { queue: 'actq' } } })
    assertBadField(await post('/sources/act_orders/landings', { partition: 'not-a-date' }), 'partition')
    assert.equal(errorOf(await post('/sources/no_such_source/landings', { partition: '2026-06-01' }), 404).code, 'NOT_FOUND')
    const viewer = await call('POST', '/sources/act_orders/landings', tokens['mx-viewer-all'], { partition: '2026-06-01' })
    assert.equal(errorOf(viewer, 403).details.missing, 'trigger')
    const a = await post('/sources/act_orders/landings', { id: 'act-orders-2026-06-01', partition: '2026-06-01', uri: 's3://lake/orders/2026-06-01' })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.deepEqual(a.body, { id: 'act-orders-2026-06-01', outcome: 'applied' })
    assert.equal((await lastAudit()).action, 'source.landed')
    const run = await eventually(() => ns.db.selectFrom('runs').select(['id', 'trigger']).where('workflow', '=', 'act_landed').where('partition', '=', '2026-06-01').executeTakeFirst(), 'the run the landing completes')
    assert.equal(run.trigger, 'readiness')
    // The same landing again (same id): one landing, still one run.
    assert.equal((await post('/sources/act_orders/landings', { id: 'act-orders-2026-06-01', partition: '2026-06-01' })).status, 200)
    assert.equal((await ns.db.selectFrom('source_landings').select('id').where('event_id', '=', 'act-orders-2026-06-01').execute()).length, 1)
  })

  test('bulk: dryRun is required (400 naming it); a dry run lists, a real one retries', async () => {
    assertBadField(await post('/runs/bulk', { action: 'retry', filter: { workflow: 'act_idem' } }), 'dryRun')
    const id = await failedRun('act_idem')
    const dry = await post('/runs/bulk', { action: 'retry', filter: { workflow: 'act_idem', status: ['failed'] }, dryRun: true })
    assert.equal(dry.status, 200, JSON.stringify(dry.body))
    assert.deepEqual(
      dry.body.results.map((r: any) => [r.runId, r.outcome]),
      [[id, 'would_apply']],
    )
    assert.equal((await runOf(id)).status, 'failed', 'a dry run sends nothing')
    const real = await post('/runs/bulk', { action: 'retry', filter: { workflow: 'act_idem', status: ['failed'] }, dryRun: false })
    assert.equal(real.body.results[0].outcome, 'applied')
    assert.equal((await waitForRun(ns, id)).status, 'succeeded')
    assert.equal((await lastAudit()).action, 'run.bulk')
  })

  test('backfills: start, cancel of a finished one is a 409, rerun', async () => {
    const a = await post('/backfills', { workflow: 'act_pipe', from: '2026-04-01', to: '2026-04-02', concurrency: 2 })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    const id = a.body.backfillId as string
    await eventually(async () => (await getBackfillStatus(ns.db, id))?.status === 'succeeded', 'the backfill to finish', 30_000)
    const c = errorOf(await post(`/backfills/${id}/cancel`), 409)
    assert.match(c.message, /is succeeded: only a running backfill is cancelled/)
    const r = await post(`/backfills/${id}/rerun`, { rerun: 'all' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.notEqual(r.body.backfillId, id)
    await eventually(async () => (await getBackfillStatus(ns.db, r.body.backfillId))?.status === 'succeeded', 'the rerun to finish', 30_000)
    const actions = (await ns.db.selectFrom('audit_log').select('action').where('action', 'like', 'backfill.%').execute()).map((x) => x.action)
    for (const action of ['backfill.start', 'backfill.cancel', 'backfill.rerun']) assert.ok(actions.includes(action), action)
  })
})

describe('unknown ids, bad input and idempotency', () => {
  test('unknown run, task, workflow and backfill: 404', async () => {
    for (const path of [`/runs/${NO_RUN}/cancel`, `/runs/${NO_RUN}/retry`, `/runs/${NO_RUN}/tasks/x/clear`, `/runs/${NO_RUN}/tasks/x/approve`, `/runs/${NO_RUN}/tasks/x/reject`]) {
      assert.equal(errorOf(await post(path), 404).code, 'NOT_FOUND', path)
    }
    assert.equal(errorOf(await post(`/runs/${NO_RUN}/tasks/x/mark`, { status: 'failed', reason: 'r' }), 404).code, 'NOT_FOUND')
    const id = await trigger(ns, 'act_pipe')
    await waitForRun(ns, id)
    for (const verb of ['clear', 'approve', 'reject']) assert.match(errorOf(await post(`/runs/${id}/tasks/nope/${verb}`), 404).message, /has no task 'nope'/)
    assert.match(errorOf(await post(`/runs/${id}/tasks/nope/mark`, { status: 'failed', reason: 'r' }), 404).message, /has no task 'nope'/)
    for (const path of ['/workflows/act_nope/pause', '/workflows/act_nope/unpause', '/workflows/act_nope/archive', '/workflows/act_nope/restore']) assert.equal(errorOf(await post(path), 404).code, 'NOT_FOUND', path)
    assert.equal(errorOf(await post('/runs', { workflow: 'act_nope' }), 404).code, 'NOT_FOUND')
    for (const path of [`/backfills/${NO_RUN}/cancel`, `/backfills/${NO_RUN}/rerun`]) assert.equal(errorOf(await post(path), 404).code, 'NOT_FOUND', path)
    assert.equal(errorOf(await call('DELETE', '/tokens/nobody-here', tokens.admin), 404).code, 'NOT_FOUND')
  })

  test('a bad wait, a bad run id: 400 naming the field', async () => {
    for (const wait of ['abc', '99', '-1']) assertBadField(await post(`/runs/${NO_RUN}/retry?wait=${wait}`), 'wait')
    assertBadField(await post('/runs/not-a-uuid/retry'), 'id')
    assertBadField(await post(`/runs/${NO_RUN}/retry`, { reason: '' }), 'reason')
  })

  test('the same Idempotency-Key twice: one event, the same answer', async () => {
    const id = await failedRun('act_idem')
    const headers = { 'idempotency-key': 'retry-once-42' }
    const a = await post(`/runs/${id}/retry`, {}, tokens.admin, headers)
    const b = await post(`/runs/${id}/retry`, {}, tokens.admin, headers)
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(b.status, 200, JSON.stringify(b.body))
    assert.equal(b.body.eventId, a.body.eventId)
    assert.equal(b.body.outcome, 'applied')
    await waitForRun(ns, id)
    const rows = await ns.db.selectFrom('history').select(['kind']).where('event_id', '=', a.body.eventId).execute()
    assert.ok(rows.length > 0)
    assert.ok(!rows.some((r) => r.kind === 'ignored'), 'the second request was not a second event')
    assert.equal(executionsPerTask(worker.executions)[`${id}/transform`], 2, 'retried once')
    // Another key is another action: the run has succeeded, so the coordinator's check refuses it.
    assert.equal((await post(`/runs/${id}/retry`, {}, tokens.admin, { 'idempotency-key': 'retry-once-43' })).status, 409)
  })
})

// ---- The matrix: every role and scope against every action route -------------------------------

const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const
type MatrixRole = (typeof ROLES)[number]
const PERMISSIONS: Record<MatrixRole, readonly string[]> = {
  viewer: ['read'],
  operator: ['read', 'trigger', 'cancel', 'retry', 'clear', 'pause', 'backfill'],
  approver: ['read', 'approve'],
  admin: ['read', 'trigger', 'cancel', 'retry', 'clear', 'pause', 'backfill', 'approve', 'mark', 'archive', 'deploy', 'tokens', 'audit'],
}
/** Scopes of a grant against the matrix workflow `mx_fin` (owner `fin`): whether each covers it. */
const SCOPES = [
  { name: 'all', grant: {}, covers: true },
  { name: 'glob-match', grant: { workflows: 'mx_*' }, covers: true },
  { name: 'glob-other', grant: { workflows: 'zz_*' }, covers: false },
  { name: 'owner-match', grant: { owner: 'fin' }, covers: true },
  { name: 'owner-other', grant: { owner: 'ops' }, covers: false },
] as const

interface MatrixRoute {
  readonly name: string
  readonly permission: string
  /** Outside every workflow: only an unscoped grant reaches it. */
  readonly global?: boolean
  /** Any grant with the permission may call it, whatever its scope (it narrows down what it touches to the caller's workflows). */
  readonly anyScope?: boolean
  request(): Promise<Answer>
}

const mx = { run: '', waiting: '', backfill: '' }
let token = ''
const routes: MatrixRoute[] = [
  { name: 'trigger', permission: 'trigger', request: () => post('/runs?wait=0', { workflow: 'mx_fin' }, token) },
  { name: 'landing', permission: 'trigger', request: () => post('/sources/mx_src/landings?wait=0', { partition: '2026-05-01' }, token) },
  { name: 'bulk retry', permission: 'retry', anyScope: true, request: () => post('/runs/bulk?wait=0', { action: 'retry', filter: { workflow: 'mx_fin' }, dryRun: true }, token) },
  { name: 'cancel', permission: 'cancel', request: () => post(`/runs/${mx.run}/cancel?wait=0`, {}, token) },
  { name: 'retry', permission: 'retry', request: () => post(`/runs/${mx.run}/retry?wait=0`, {}, token) },
  { name: 'clear', permission: 'clear', request: () => post(`/runs/${mx.run}/tasks/load/clear?wait=0`, {}, token) },
  { name: 'mark', permission: 'mark', request: () => post(`/runs/${mx.run}/tasks/transform/mark?wait=0`, { status: 'failed', reason: 'matrix' }, token) },
  { name: 'approve', permission: 'approve', request: () => post(`/runs/${mx.run}/tasks/load/approve?wait=0`, {}, token) },
  { name: 'reject', permission: 'approve', request: () => post(`/runs/${mx.run}/tasks/load/reject?wait=0`, {}, token) },
  { name: 'pause', permission: 'pause', request: () => post('/workflows/mx_fin/pause?wait=0', {}, token) },
  { name: 'unpause', permission: 'pause', request: () => post('/workflows/mx_fin/unpause?wait=0', {}, token) },
  { name: 'archive', permission: 'archive', request: () => post('/workflows/mx_fin/archive', {}, token) },
  { name: 'restore', permission: 'archive', request: () => post('/workflows/mx_fin/restore', {}, token) },
  { name: 'deploy', permission: 'deploy', request: () => call('PUT', '/workflows/mx_fin', token, PIPE('mx_fin')) },
  { name: 'backfill start', permission: 'backfill', request: () => post('/backfills?wait=0', { workflow: 'mx_fin', from: '2026-05-01', to: '2026-05-01' }, token) },
  { name: 'backfill cancel', permission: 'backfill', request: () => post(`/backfills/${mx.backfill}/cancel?wait=0`, {}, token) },
  { name: 'backfill rerun', permission: 'backfill', request: () => post(`/backfills/${mx.backfill}/rerun?wait=0`, {}, token) },
  { name: 'token list', permission: 'tokens', global: true, request: () => call('GET', '/tokens', token) },
  { name: 'token create', permission: 'tokens', global: true, request: () => post('/tokens', { role: 'viewer' }, token) },
  { name: 'token revoke', permission: 'tokens', global: true, request: () => call('DELETE', '/tokens/mx-dummy', token) },
  { name: 'audit', permission: 'audit', global: true, request: () => call('GET', '/audit?limit=5', token) },
]

describe('the access matrix: every role and scope against every action route', () => {
  before(async () => {
    mx.run = await trigger(ns, 'mx_fin')
    await waitForRun(ns, mx.run)
    const b = await post('/backfills', { workflow: 'mx_fin', from: '2026-06-01', to: '2026-06-01' })
    mx.backfill = b.body.backfillId
    await eventually(async () => (await getBackfillStatus(ns.db, mx.backfill))?.status === 'succeeded', 'the matrix backfill to finish', 30_000)
  })

  test('no credential: 401 on every action route, audited as unauthenticated', async () => {
    token = ''
    for (const r of routes) {
      const a = await r.request()
      assert.equal(errorOf(a, 401).code, 'UNAUTHENTICATED', r.name)
      const audit = await lastAudit()
      assert.deepEqual([audit.actor, audit.result, audit.status], ['anonymous', 'unauthenticated', 401], r.name)
    }
  })

  for (const role of ROLES) {
    for (const scope of SCOPES) {
      test(`${role} (${scope.name}): allowed → 2xx/409, refused → 403 naming the permission; every attempt audited`, async () => {
        token = tokens[`mx-${role}-${scope.name}`]!
        const actor = `token:mx-${role}-${scope.name}`
        for (const r of routes) {
          const allowed = PERMISSIONS[role].includes(r.permission) && (r.anyScope || (r.global ? scope.name === 'all' : scope.covers))
          const a = await r.request()
          const label = `${role} ${scope.name} ${r.name}: ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`
          if (allowed) assert.ok([200, 201, 202, 409].includes(a.status), label)
          else {
            assert.equal(a.status, 403, label)
            assert.equal(a.body.error.code, 'FORBIDDEN', label)
            assert.equal(a.body.error.details.missing, r.permission, label)
            assert.match(a.body.error.message, new RegExp(`lacks permission '${r.permission}'`), label)
          }
          const audit = await lastAudit()
          const result = a.status === 403 ? 'denied' : a.status < 400 ? 'ok' : 'failed'
          assert.deepEqual([audit.actor, audit.result, audit.status], [actor, result, a.status], `audit line of ${label}`)
          if (r.name === 'token create' && a.status === 201) assert.ok(!JSON.stringify(audit).includes(a.body.secret), 'the secret is never audited')
        }
      })
    }
  }
})
