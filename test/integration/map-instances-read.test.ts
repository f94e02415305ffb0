import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadApiConfig, startApi, type RunningApi } from '@baton/api'
import { BatonError, createApiToken, createLogger, getRunDetails, getRunGrid, getTaskDetails, listMapInstances, NotFoundError, requireRunTask, ValidationError } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { insertMappedRun, mappedWorkflow } from '../support/mapped-runs.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'
import { deploy } from '../support/runs.js'

// Dynamic fan-out as the catalog and the API show it (docs/api.md, "Mapped tasks"): a run whose
// mapped task has 3,000 instances, written with SQL as the coordinator leaves them. The run's
// details leave the instances out and count them; the instances are read a page at a time; an
// instance is a task of its own for the single-task routes.

let ns: TestNamespace
let api: RunningApi
let runId: string
const tokens = { admin: '', other: '', operator: '' } // admin: a viewer token (its name aside); operator: an admin token (every action)

const TOTAL = 3000
/** Instance statuses: 25 failed and 2,475 succeeded below 2,500, then 300 running and 200 queued. */
const statusOf = (i: number): string => (i < 2500 ? (i % 100 === 7 ? 'failed' : 'succeeded') : i < 2800 ? 'running' : 'queued')
const COUNTS = { succeeded: 2475, failed: 25, running: 300, queued: 200 }

before(async () => {
  ns = await createTestNamespace('map_read')
  await deploy(ns, mappedWorkflow('map_read'))
  await deploy(ns, { name: 'map_other', owner: 'other', tasks: { only: { queue: 'mapq' } } })
  runId = await insertMappedRun(ns.db, { workflow: 'map_read', task: 'load', source: 'list_files', total: TOTAL, statusOf, others: { report: 'pending' } })
  tokens.admin = (await createApiToken(ns.db, { name: 'admin', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })).secret
  tokens.operator = (await createApiToken(ns.db, { name: 'operator', grants: [{ role: 'admin' }], expiresAt: null, createdBy: 'test' })).secret
  tokens.other = (await createApiToken(ns.db, { name: 'other', grants: [{ role: 'viewer', workflows: 'map_other' }], expiresAt: null, createdBy: 'test' })).secret
  api = await startApi({ config: loadApiConfig(ns.env, { port: 0, host: '127.0.0.1' }), nc: ns.nc, startupTimeoutMs: 0, logger: createLogger({ level: 'silent' }) })
})

after(async () => {
  await api?.close()
  await ns?.close()
  await assertNoLeaks()
})

async function get(path: string, token = tokens.admin): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, body: await res.json() }
}

/** The error a call throws, after checking its class. */
async function thrown<E extends Error>(call: Promise<unknown>, cls: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await call
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`)
    return e
  }
  assert.fail(`expected ${cls.name}, nothing was thrown`)
}

describe('getRunDetails', () => {
  test('leaves instance rows and their attempts out, and counts them on the mapped task in one map', async () => {
    const run = (await getRunDetails(ns.db, runId))!
    assert.deepEqual(
      run.tasks.map((t) => t.id),
      ['list_files', 'load', 'report'],
    )
    const load = run.tasks.find((t) => t.id === 'load')!
    assert.deepEqual(load.map, { from: 'list_files', key: 'files', reduce: false, total: TOTAL, counts: COUNTS })
    assert.deepEqual(load.attemptDetails, [], 'no instance attempt is listed under the mapped task')
    assert.equal(run.tasks.find((t) => t.id === 'list_files')!.map, null)
    assert.equal(run.tasks.find((t) => t.id === 'list_files')!.attemptDetails.length, 1)
    assert.ok(run.tasks.every((t) => !t.id.includes('[')))
  })

  test('the runs × tasks grid shows the mapped task as one cell', async () => {
    const grid = await getRunGrid(ns.db, 'map_read', ['list_files', 'load', 'report'], { limit: 10 })
    assert.deepEqual(grid.tasks, ['list_files', 'load', 'report'])
    assert.equal(grid.runs[0]!.cells.length, 3)
  })
})

describe('listMapInstances', () => {
  test('pages through every instance in index order, each page with the counts of all of them', async () => {
    const seen: number[] = []
    let after: number | undefined
    let pages = 0
    for (;;) {
      const page = await listMapInstances(ns.db, runId, 'load', { limit: 1000, ...(after !== undefined ? { after } : {}) })
      pages++
      assert.equal(page.total, TOTAL)
      assert.deepEqual(page.counts, COUNTS)
      seen.push(...page.instances.map((i) => i.index))
      if (page.nextAfter === null) break
      assert.equal(page.nextAfter, page.instances.at(-1)!.index)
      after = page.nextAfter
    }
    assert.equal(pages, 3)
    assert.deepEqual(seen, Array.from({ length: TOTAL }, (_, i) => i))
  })

  test('a page holds 100 by default; an instance carries its id, element, attempts, times and error', async () => {
    const page = await listMapInstances(ns.db, runId, 'load')
    assert.equal(page.instances.length, 100)
    assert.equal(page.nextAfter, 99)
    const failed = page.instances[7]!
    assert.deepEqual(
      { id: failed.id, index: failed.index, element: failed.element, status: failed.status, attempts: failed.attempts, workerId: failed.workerId, durationMs: failed.durationMs, error: failed.error, output: failed.output },
      { id: 'load[7]', index: 7, element: { file: 'f7.csv' }, status: 'failed', attempts: 1, workerId: 'w1', durationMs: 0, error: { message: 'bad file f7.csv', kind: 'error' }, output: null },
    )
    assert.equal(page.instances[8]!.durationMs, 1000)
    assert.deepEqual(page.instances[8]!.output, { rows: 8 })
  })

  test('filters by status, and pages within the filter', async () => {
    const first = await listMapInstances(ns.db, runId, 'load', { status: 'failed', limit: 10 })
    assert.deepEqual(
      first.instances.map((i) => i.id),
      [7, 107, 207, 307, 407, 507, 607, 707, 807, 907].map((i) => `load[${i}]`),
    )
    assert.equal(first.nextAfter, 907)
    const rest = await listMapInstances(ns.db, runId, 'load', { status: 'failed', after: 907, limit: 1000 })
    assert.equal(rest.instances.length, 15)
    assert.equal(rest.nextAfter, null)
    assert.ok(rest.instances.every((i) => i.status === 'failed'))
    assert.equal((await listMapInstances(ns.db, runId, 'load', { status: 'queued', limit: 1000 })).instances[0]!.index, 2800)
    assert.deepEqual((await listMapInstances(ns.db, runId, 'load', { status: 'cancelled' })).instances, [])
  })

  test('bad input names the field and why', async () => {
    for (const limit of [0, 1001, 1.5]) {
      const e = await thrown(listMapInstances(ns.db, runId, 'load', { limit }), ValidationError)
      assert.equal(e.code, 'VALIDATION_FAILED')
      assert.deepEqual(e.issues.map((i) => i.path), ['limit'])
      assert.match(e.message, /limit: must be a whole number from 1 to 1000/)
    }
    assert.deepEqual((await thrown(listMapInstances(ns.db, runId, 'load', { status: 'done' }), ValidationError)).issues.map((i) => i.path), ['status'])
    assert.deepEqual((await thrown(listMapInstances(ns.db, runId, 'load', { after: -5 }), ValidationError)).issues.map((i) => i.path), ['after'])
    const notMapped = await thrown(listMapInstances(ns.db, runId, 'list_files'), ValidationError)
    assert.equal(notMapped.code, 'TASK_NOT_MAPPED')
    assert.match(notMapped.message, /task 'list_files' of workflow map_read is not mapped/)
    assert.match((await thrown(listMapInstances(ns.db, runId, 'nope'), NotFoundError)).message, /task of run .* 'nope' not found/)
    assert.match((await thrown(listMapInstances(ns.db, '00000000-0000-4000-8000-000000000000', 'load'), NotFoundError)).message, /run '00000000/)
    await thrown(listMapInstances(ns.db, 'not-a-run', 'load'), NotFoundError)
    await thrown(listMapInstances(ns.db, runId, 'load[7]'), NotFoundError)
  })
})

describe('one instance as a task', () => {
  test('getTaskDetails reads an instance with its element and attempts; a task of the workflow as getRunDetails shows it', async () => {
    const inst = await getTaskDetails(ns.db, runId, 'load[7]')
    assert.deepEqual(inst.instance, { of: 'load', index: 7, element: { file: 'f7.csv' } })
    assert.equal(inst.status, 'failed')
    assert.equal(inst.queue, 'mapq')
    assert.deepEqual(inst.upstream, [], 'an instance gets its element, not its map source')
    assert.deepEqual(
      inst.attemptDetails.map((a) => [a.attempt, a.status, (a.error as { message: string }).message]),
      [[1, 'failed', 'bad file f7.csv']],
    )
    const load = await getTaskDetails(ns.db, runId, 'load')
    assert.equal(load.instance, null)
    assert.equal(load.map?.total, TOTAL)
  })

  test('an unknown instance or task is NOT_FOUND naming the run; requireRunTask knows instances', async () => {
    for (const id of ['load[3000]', 'report[0]', 'nope']) {
      const e = await thrown(getTaskDetails(ns.db, runId, id), BatonError)
      assert.equal(e.code, 'NOT_FOUND')
      assert.match(e.message, new RegExp(`run ${runId} \\(workflow map_read\\) has no task '${id.replace(/[[\]]/g, '\\$&')}'`))
    }
    assert.deepEqual(await requireRunTask(ns.db, runId, 'load[2999]'), { workflow: 'map_read' })
  })
})

describe('the API', () => {
  test('GET /runs/{id} counts instances on the mapped task and lists no instance', async () => {
    const r = await get(`/runs/${runId}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(
      r.body.tasks.map((t: any) => t.id),
      ['list_files', 'load', 'report'],
    )
    assert.deepEqual(r.body.tasks[1].map, { from: 'list_files', key: 'files', reduce: false, total: TOTAL, counts: COUNTS })
  })

  test('GET …/tasks/{taskId}/instances pages and filters as the catalog does', async () => {
    const r = await get(`/runs/${runId}/tasks/load/instances?status=failed&limit=10`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.taskId, 'load')
    assert.equal(r.body.total, TOTAL)
    assert.deepEqual(r.body.counts, COUNTS)
    assert.equal(r.body.instances.length, 10)
    assert.equal(r.body.nextAfter, 907)
    const next = await get(`/runs/${runId}/tasks/load/instances?status=failed&after=907&limit=1000`)
    assert.equal(next.body.instances.length, 15)
    assert.equal(next.body.nextAfter, null)
    assert.equal((await get(`/runs/${runId}/tasks/load/instances`)).body.instances.length, 100)
  })

  test('bad input is a 400 naming the field; a task that is not mapped a 400 on taskId; unknown runs and tasks 404', async () => {
    for (const [query, path] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['status=done', 'status'],
      ['after=-1', 'after'],
      ['after=x', 'after'],
      ['page=2', 'page'],
    ] as const) {
      const r = await get(`/runs/${runId}/tasks/load/instances?${query}`)
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`)
      assert.equal(r.body.error.code, 'VALIDATION_FAILED')
      assert.deepEqual(
        r.body.error.details.issues.map((i: any) => i.path),
        [path],
        query,
      )
    }
    const notMapped = await get(`/runs/${runId}/tasks/list_files/instances`)
    assert.equal(notMapped.status, 400)
    assert.deepEqual(notMapped.body.error.details.issues[0].path, 'taskId')
    assert.match(notMapped.body.error.message, /not mapped/)
    assert.equal((await get(`/runs/00000000-0000-4000-8000-000000000000/tasks/load/instances`)).status, 404)
    assert.equal((await get(`/runs/${runId}/tasks/nope/instances`)).status, 404)
  })

  test('an action on one instance is a 400 on taskId that says to act on the mapped task', async () => {
    for (const action of ['clear', 'mark', 'approve']) {
      const res = await fetch(`${api.url}/runs/${runId}/tasks/load%5B3%5D/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' },
        body: JSON.stringify(action === 'mark' ? { status: 'succeeded', reason: 'by hand' } : {}),
      })
      const body = (await res.json()) as any
      assert.equal(res.status, 400, `${action}: ${JSON.stringify(body)}`)
      assert.equal(body.error.details.issues[0].path, 'taskId')
      assert.match(body.error.details.issues[0].reason, /'load\[3\]' is an instance of mapped task 'load': act on load/)
    }
  })

  test('an instance is a task of its own: details and logs, its id URL-encoded or not', async () => {
    for (const id of ['load%5B7%5D', 'load[7]']) {
      const r = await get(`/runs/${runId}/tasks/${id}`)
      assert.equal(r.status, 200, `${id}: ${JSON.stringify(r.body)}`)
      assert.equal(r.body.id, 'load[7]')
      assert.deepEqual(r.body.instance, { of: 'load', index: 7, element: { file: 'f7.csv' } })
      assert.equal(r.body.attemptDetails.length, 1)
      assert.deepEqual(r.body.inputs, {}, 'an instance gets its element, not the list its mapped task maps over')
    }
    const logs = await get(`/runs/${runId}/tasks/load%5B7%5D/logs`)
    assert.equal(logs.status, 200, JSON.stringify(logs.body))
    assert.deepEqual(logs.body.items, [])
    assert.equal((await get(`/runs/${runId}/tasks/load%5B3000%5D/logs`)).status, 404)
    assert.equal((await get(`/runs/${runId}/tasks/load%5B3000%5D`)).status, 404)
    const bad = await get(`/runs/${runId}/tasks/load%5Bx%5D`)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.details.issues[0].path, 'taskId')
  })

  test('reading instances takes the same permission as reading the run', async () => {
    for (const path of [`/runs/${runId}/tasks/load/instances`, `/runs/${runId}/tasks/load%5B7%5D`]) {
      const r = await get(path, tokens.other)
      assert.equal(r.status, 403, `${path}: ${JSON.stringify(r.body)}`)
      assert.equal(r.body.error.details.missing, 'read')
    }
  })
})
