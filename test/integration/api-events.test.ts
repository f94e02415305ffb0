import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { sql } from 'kysely'
import { AlertEventSchema, buildApiServer, createEventRoutes, eventRoutes, loadApiConfig, ROUTE_MODULES, TransitionEventSchema, type EventRouteOptions, type ZodApp } from '@baton/api'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { createApiToken, createLogger, revokeApiToken } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startBaton, stopGracefully, type BatonProcess } from '../support/processes.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { openSse, type SseConnection, type SseEvent } from '../support/sse-reader.js'

// GET /events (docs/api.md, "Live updates (SSE)"): run, task and alert changes streamed from the committed
// history by one tail per server, with filters, scoped grants, resumption (after a disconnect and
// after the API process is killed), heartbeats, out-of-order commits and slow clients.

let ns: TestNamespace
let coordinator: Coordinator
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
/** The main server: default settings (LISTEN, 1 s poll), a short heartbeat. */
let main: Served
const extra: Served[] = []
const processes: BatonProcess[] = []
const streams: SseConnection[] = []
const tokens = { admin: '', teamB: '' }

interface Served {
  readonly app: ZodApp
  readonly url: string
}

/** An API server in this process whose GET /events has `options`. */
async function serve(options: EventRouteOptions): Promise<Served> {
  const app = buildApiServer({
    db: ns.db,
    nc: ns.nc,
    subjects: ns.subjects,
    config: loadApiConfig(ns.env, { baton: ns.config }),
    logger: createLogger({ level: 'silent' }),
    routes: [...ROUTE_MODULES.filter((m) => m !== eventRoutes), createEventRoutes(options)],
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

async function open(url: string, options: Parameters<typeof openSse>[1] = {}): Promise<Awaited<ReturnType<typeof openSse>>> {
  const s = await openSse(url, options)
  streams.push(s)
  return s
}

type Data = Record<string, any>
const data = (e: SseEvent): Data => JSON.parse(e.data) as Data
const ofRuns = (events: readonly SseEvent[], runIds: readonly string[]) => events.filter((e) => e.event !== 'alert' && runIds.includes(data(e).runId))
const historyIds = (events: readonly SseEvent[]) => events.map((e) => data(e).historyId as string)
const runEnded = (events: readonly SseEvent[], runId: string) => events.some((e) => e.event === 'run' && data(e).runId === runId && ['succeeded', 'failed', 'cancelled'].includes(data(e).to))

/** The history ids of the runs' status changes, in id order (what the stream must carry). */
async function transitionsOf(runIds: readonly string[]): Promise<string[]> {
  const rows = await ns.db.selectFrom('history').select('id').where('run_id', 'in', [...runIds]).where('kind', '<>', 'ignored').where('to_status', 'is not', null).orderBy('id').execute()
  return rows.map((r) => String(r.id))
}

/** A free TCP port (for an API process that must come back on the same address). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  await new Promise((r) => server.close(r))
  return port
}

const notify = sql`SELECT pg_notify('baton_history', current_schema())`

before(async () => {
  ns = await createTestNamespace('api_events')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  worker = await startScriptedWorker(ns, 'evq', (cmd) => {
    if (cmd.taskId === 'breaks') return { fail: { message: 'source table missing', retryable: false } }
    if (cmd.taskId === 'slow') return { succeed: { ok: true }, delayMs: 1500 }
    return { succeed: { task: cmd.taskId }, delayMs: 10 }
  })
  await deploy(ns, { name: 'ev_a', owner: 'team_a', tasks: { extract: { queue: 'evq' }, load: { queue: 'evq', after: ['extract'] }, report: { queue: 'evq', after: ['load'] } } })
  await deploy(ns, { name: 'ev_b', owner: 'team_b', tasks: { only: { queue: 'evq' } } })
  await deploy(ns, { name: 'ev_fail', owner: 'team_a', tasks: { breaks: { queue: 'evq' } } })
  await deploy(ns, { name: 'ev_slow', owner: 'team_a', tasks: { slow: { queue: 'evq' } } })
  const mint = async (name: string, grants: { role: string; workflows?: string; owner?: string }[]) => (await createApiToken(ns.db, { name, grants, expiresAt: null, createdBy: 'test' })).secret
  tokens.admin = await mint('events-admin', [{ role: 'admin' }])
  tokens.teamB = await mint('events-team-b', [{ role: 'viewer', owner: 'team_b' }])
  main = await serve({ heartbeatMs: 500 })
})

afterEach(async () => {
  for (const s of streams.splice(0)) await s.close()
})

after(async () => {
  for (const s of streams) await s.close()
  for (const p of processes) await stopGracefully(p, 10_000)
  for (const s of extra) await s.app.close()
  await main?.app.close()
  await worker?.stop()
  await coordinator?.stop()
  await ns?.close()
  await assertNoLeaks()
})

describe('access and bad input', () => {
  test('401 without a credential; 400 naming a bad Last-Event-ID or type; 404 for an unknown run; 403 for a workflow the token may not read', async () => {
    const none = await open(`${main.url}/events`)
    assert.equal(none.status, 401)
    assert.equal(JSON.parse(none.body).error.code, 'UNAUTHENTICATED')
    const badId = await open(`${main.url}/events`, { token: tokens.admin, lastEventId: "1' OR 1=1--" })
    assert.equal(badId.status, 400)
    assert.deepEqual(JSON.parse(badId.body).error.details.issues.map((i: Data) => [i.in, i.path]), [['headers', 'last-event-id']])
    const badType = await open(`${main.url}/events?type=runs`, { token: tokens.admin })
    assert.equal(badType.status, 400)
    assert.match(JSON.parse(badType.body).error.message, /type/)
    const unknown = await open(`${main.url}/events?run=00000000-0000-4000-8000-000000000000`, { token: tokens.admin })
    assert.equal(unknown.status, 404)
    const denied = await open(`${main.url}/events?workflow=ev_a`, { token: tokens.teamB })
    assert.equal(denied.status, 403)
    assert.equal(JSON.parse(denied.body).error.details.missing, 'read')
  })
})

describe('streaming', () => {
  test('a run streams its task and run transitions end to end, in commit order, as the history recorded them', async () => {
    const s = await open(`${main.url}/events`, { token: tokens.admin })
    assert.equal(s.status, 200)
    assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.equal(s.headers.get('cache-control'), 'no-cache, no-transform')
    const runId = await trigger(ns, 'ev_a')
    await s.waitFor(() => runEnded(s.events, runId), 'the run to end')
    const got = ofRuns(s.events, [runId])
    assert.deepEqual(historyIds(got), await transitionsOf([runId]))
    for (const e of got) TransitionEventSchema.parse(data(e))
    // Every task went through its lifecycle in order, and the run ended last.
    const byTask = (t: string) => got.filter((e) => data(e).taskId === t).map((e) => data(e).to)
    for (const t of ['extract', 'load', 'report']) assert.deepEqual(byTask(t).slice(-2), ['running', 'succeeded'], t)
    assert.equal(got.at(-1)!.event, 'run')
    assert.equal(data(got.at(-1)!).to, 'succeeded')
    assert.equal(data(got.at(-1)!).workflow, 'ev_a')
    const firstLoad = got.findIndex((e) => data(e).taskId === 'load')
    const extractDone = got.findIndex((e) => data(e).taskId === 'extract' && data(e).to === 'succeeded')
    assert.ok(extractDone < firstLoad, 'load is queued after extract succeeded')
    // Ids are positions: the history id first, increasing.
    const ids = got.map((e) => Number(e.id.split('-')[0]))
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b))
    assert.equal(e0(got).id.split('-')[0], data(e0(got)).historyId)
  })

  test('filters: by run (live and from a resume point), by workflow, by type', async () => {
    const all = await open(`${main.url}/events`, { token: tokens.admin })
    const byWorkflow = await open(`${main.url}/events?workflow=ev_b`, { token: tokens.admin })
    const runsOnly = await open(`${main.url}/events?type=run`, { token: tokens.admin })
    const mark = all.lastEventId()
    const slow = await trigger(ns, 'ev_slow')
    const live = await open(`${main.url}/events?run=${slow}&type=task&type=run`, { token: tokens.admin })
    const b = await trigger(ns, 'ev_b')
    await all.waitFor(() => runEnded(all.events, slow) && runEnded(all.events, b), 'both runs to end')
    await live.waitFor(() => runEnded(live.events, slow), 'the slow run in its own stream')
    assert.ok(live.events.every((e) => data(e).runId === slow))
    assert.ok(live.events.some((e) => data(e).taskId === 'slow' && data(e).to === 'succeeded'))
    // From a position before the run existed, the run filter applies to the catch-up read too.
    const replay = await open(`${main.url}/events?run=${slow}`, { token: tokens.admin, lastEventId: mark })
    await replay.waitFor(() => runEnded(replay.events, slow), 'the slow run replayed')
    assert.deepEqual(historyIds(replay.events), await transitionsOf([slow]))
    await byWorkflow.waitFor(() => runEnded(byWorkflow.events, b), 'ev_b in its stream')
    assert.ok(byWorkflow.events.every((e) => data(e).workflow === 'ev_b'))
    assert.deepEqual(historyIds(byWorkflow.events), await transitionsOf([b]))
    await runsOnly.waitFor(() => runEnded(runsOnly.events, b) && runEnded(runsOnly.events, slow), 'run events')
    assert.ok(runsOnly.events.every((e) => e.event === 'run' && data(e).taskId === null))
  })

  test('a scoped token sees only the workflows it may read, alerts included', async () => {
    const admin = await open(`${main.url}/events`, { token: tokens.admin })
    const teamB = await open(`${main.url}/events`, { token: tokens.teamB })
    const a = await trigger(ns, 'ev_a')
    const failing = await trigger(ns, 'ev_fail')
    const b = await trigger(ns, 'ev_b')
    await admin.waitFor(() => runEnded(admin.events, a) && runEnded(admin.events, b) && runEnded(admin.events, failing), 'every run in the admin stream')
    const alert = await admin.waitFor(() => admin.events.find((e) => e.event === 'alert' && data(e).workflow === 'ev_fail' && data(e).runId === failing), 'the failure alert')
    AlertEventSchema.parse(data(alert))
    assert.equal(data(alert).status, 'firing')
    assert.match(data(alert).kind, /failed/)
    await teamB.waitFor(() => runEnded(teamB.events, b), 'ev_b in the scoped stream')
    // Everything committed before ev_b's end has been handed out: nothing of team_a's came.
    await new Promise((r) => setTimeout(r, 300))
    assert.deepEqual([...new Set(teamB.events.map((e) => data(e).workflow))], ['ev_b'])
    assert.ok(!teamB.events.some((e) => e.event === 'alert'))
  })

  test('a client that disconnects resumes from Last-Event-ID (header or query) with no gap and no duplicate', async () => {
    const first = await open(`${main.url}/events`, { token: tokens.admin })
    const x = await trigger(ns, 'ev_a')
    await first.waitFor(() => ofRuns(first.events, [x]).length >= 3, 'the first events of the run')
    await first.close()
    const last = first.lastEventId()
    await waitForRun(ns, x)
    const y = await trigger(ns, 'ev_b')
    await waitForRun(ns, y)
    for (const how of ['header', 'query'] as const) {
      const again = how === 'header' ? await open(`${main.url}/events`, { token: tokens.admin, lastEventId: last }) : await open(`${main.url}/events?lastEventId=${last}`, { token: tokens.admin })
      await again.waitFor(() => runEnded(again.events, y), `the rest (${how})`)
      const ids = [...historyIds(ofRuns(first.events, [x, y])), ...historyIds(ofRuns(again.events, [x, y]))]
      assert.equal(new Set(ids).size, ids.length, `no duplicate (${how})`)
      assert.deepEqual(ids, await transitionsOf([x, y]), `no gap (${how})`)
      assert.ok(ofRuns(again.events, [x]).length > 0, 'part of x came after the reconnect')
    }
  })

  test('heartbeats arrive as comments; a filtered stream moves its last event id past what it skipped', async () => {
    const s = await open(`${main.url}/events?workflow=ev_b`, { token: tokens.admin })
    const start = await s.waitFor(() => s.lastEventId() || undefined, 'the position the stream opens with')
    assert.match(start, /^\d+-\d+-\d+$/)
    const a = await trigger(ns, 'ev_a')
    await waitForRun(ns, a)
    const lastOfA = Number((await transitionsOf([a])).at(-1))
    await s.waitFor(() => s.comments.filter((c) => c.startsWith('heartbeat')).length >= 2, 'two heartbeats', 5000)
    await s.waitFor(() => Number(s.lastEventId().split('-')[0]) >= lastOfA, 'the position past ev_a’s events', 5000)
    assert.equal(ofRuns(s.events, [a]).length, 0)
  })
})

describe('ordering and completeness', () => {
  test('a lower history id committed after a higher one is not lost, and comes first', async () => {
    const s = await open(`${main.url}/events`, { token: tokens.admin })
    const runId = await trigger(ns, 'ev_b')
    await waitForRun(ns, runId)
    await s.waitFor(() => runEnded(s.events, runId), 'quiet stream')
    const insert = (label: string) => sql<{ id: number }>`INSERT INTO history (run_id, task_id, attempt, kind, from_status, to_status, reason) VALUES (${runId}::uuid, 'only', 9, 'transition', 'running', 'succeeded', ${label}) RETURNING id`
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let lowId = ''
    let inserted!: () => void
    const lowInserted = new Promise<void>((r) => (inserted = r))
    const low = ns.db.transaction().execute(async (trx) => {
      lowId = String((await insert('low').execute(trx)).rows[0]!.id)
      inserted()
      await gate
      await notify.execute(trx)
    })
    await lowInserted
    const highId = await ns.db.transaction().execute(async (trx) => {
      const id = String((await insert('high').execute(trx)).rows[0]!.id)
      await notify.execute(trx)
      return id
    })
    assert.ok(Number(highId) > Number(lowId))
    // The tail sees the higher row and holds it while the lower one's transaction is open.
    await new Promise((r) => setTimeout(r, 700))
    assert.ok(!historyIds(s.events).includes(highId), 'not before the lower id')
    release()
    await low
    await s.waitFor(() => historyIds(s.events).includes(highId), 'the higher row')
    const ids = historyIds(s.events)
    assert.ok(ids.includes(lowId), 'the lower id is not lost')
    assert.ok(ids.indexOf(lowId) < ids.indexOf(highId), 'and comes first')

    // A rolled-back lower id holds the tail only until its transaction has finished.
    let rollback!: () => void
    const rolledBack = new Promise<void>((r) => (rollback = r))
    let abortedInserted!: () => void
    const abortedIn = new Promise<void>((r) => (abortedInserted = r))
    const aborted = ns.db
      .transaction()
      .execute(async (trx) => {
        await insert('aborted').execute(trx)
        abortedInserted()
        await rolledBack
        throw new Error('roll back')
      })
      .catch(() => {})
    await abortedIn
    const afterId = await ns.db.transaction().execute(async (trx) => {
      const id = String((await insert('after').execute(trx)).rows[0]!.id)
      await notify.execute(trx)
      return id
    })
    await new Promise((r) => setTimeout(r, 300))
    assert.ok(!historyIds(s.events).includes(afterId))
    const t0 = Date.now()
    rollback()
    await aborted
    await s.waitFor(() => historyIds(s.events).includes(afterId), 'the row after the rolled-back one', 5000)
    assert.ok(Date.now() - t0 < 3000, `passed the rolled-back id within ${Date.now() - t0} ms`)
    assert.deepEqual(s.events.filter((e) => e.event === 'task' && data(e).reason === 'aborted'), [])
  })

  test('a coordinator’s notification wakes the tail (no poll for 10 minutes)', async () => {
    const quiet = await serve({ pollIntervalMs: 600_000, fallbackPollMs: 600_000 })
    extra.push(quiet)
    const s = await open(`${quiet.url}/events?workflow=ev_b`, { token: tokens.admin })
    const b = await trigger(ns, 'ev_b')
    await s.waitFor(() => runEnded(s.events, b), 'the run’s events', 10_000)
    assert.deepEqual(historyIds(s.events), await transitionsOf([b]))
  })

  test('a client that does not read is dropped with a reconnect event, and resumes from it without loss', async () => {
    const tight = await serve({ maxBufferBytes: 64 * 1024 })
    extra.push(tight)
    const runId = await trigger(ns, 'ev_b')
    await waitForRun(ns, runId)
    const slow = await open(`${tight.url}/events?type=task`, { token: tokens.admin, paused: true })
    const rows = 30_000
    const inserted = await ns.db.transaction().execute(async (trx) => {
      const r = await sql<{ first: number; last: number }>`
        WITH ins AS (
          INSERT INTO history (run_id, task_id, attempt, kind, from_status, to_status, reason)
          SELECT ${runId}::uuid, 'only', g, 'transition', 'running', 'succeeded', 'bulk ' || repeat('x', 1000) FROM generate_series(1, ${rows}) g
          RETURNING id)
        SELECT min(id) AS first, max(id) AS last FROM ins`.execute(trx)
      await notify.execute(trx)
      return r.rows[0]!
    })
    // Time for the tail to fan all of it out, while the client reads nothing.
    await new Promise((r) => setTimeout(r, 3000))
    slow.resume()
    await slow.ended
    const final = slow.events.at(-1)!
    assert.equal(final.event, 'reconnect', 'dropped with a reconnect event')
    assert.equal(JSON.parse(final.data).lastEventId, final.id)
    const resumed = await open(`${tight.url}/events?type=task`, { token: tokens.admin, lastEventId: slow.lastEventId() })
    await resumed.waitFor(() => resumed.events.some((e) => e.event === 'task' && data(e).historyId === String(inserted.last)), 'the last bulk row', 60_000)
    const ids = [...slow.events, ...resumed.events].filter((e) => e.event === 'task' && data(e).reason?.startsWith('bulk')).map((e) => Number(data(e).historyId))
    assert.ok(slow.events.length < rows, `the slow client got ${slow.events.length} events before being dropped`)
    assert.equal(ids.length, rows, 'every bulk row exactly once')
    assert.equal(new Set(ids).size, rows)
    assert.equal(ids[0], Number(inserted.first))
    assert.equal(ids.at(-1), Number(inserted.last))
  })
})

describe('restarts', () => {
  test('a stream ends at its maximum lifetime with a reconnect event; a token revoked meanwhile cannot reconnect', async () => {
    const short = await serve({ heartbeatMs: 200, maxStreamMs: 1000 })
    extra.push(short)
    const secret = await createApiToken(ns.db, { name: 'events-short-lived', grants: [{ role: 'viewer' }], expiresAt: null, createdBy: 'test' })
    const s = await open(`${short.url}/events`, { token: secret.secret })
    assert.equal(s.status, 200)
    await revokeApiToken(ns.db, 'events-short-lived', 'test')
    await s.ended
    const last = s.events.at(-1)!
    assert.equal(last.event, 'reconnect')
    assert.match(data(last).reason, /maximum lifetime/)
    assert.equal(data(last).lastEventId, last.id)
    const again = await open(`${short.url}/events`, { token: secret.secret, lastEventId: last.id })
    assert.equal(again.status, 401, 'the revoked token stops at the reconnect')
  })

  test('closing the server ends every stream at once', async () => {
    const closing = await serve({})
    const s = await open(`${closing.url}/events`, { token: tokens.admin })
    const t0 = Date.now()
    await closing.app.close()
    await s.ended
    assert.ok(Date.now() - t0 < 3000, `closed in ${Date.now() - t0} ms`)
  })

  test('a client resumes after the API process is killed (SIGKILL) and restarted: no event lost or repeated, alerts included', async () => {
    const port = await freePort()
    const env = { ...ns.env, BATON_API_PORT: String(port), BATON_API_HOST: '127.0.0.1', BATON_LOG_LEVEL: 'warn' }
    const url = `http://127.0.0.1:${port}`
    const startApi = async () => {
      const p = startBaton(['api'], env)
      processes.push(p)
      await eventually(() => p.output().includes('listening at'), `baton api to listen: ${p.output()}`, 60_000)
      return p
    }
    let api = await startApi()
    const first = await open(`${url}/events`, { token: tokens.admin })
    const r1 = await trigger(ns, 'ev_a')
    await first.waitFor(() => ofRuns(first.events, [r1]).length >= 2, 'the first events of the run')
    await api.kill('SIGKILL')
    await first.ended
    const last = first.lastEventId()
    // While the API is down: the run goes on, another runs, one fails (an alert).
    await waitForRun(ns, r1)
    const r2 = await trigger(ns, 'ev_b')
    const r3 = await trigger(ns, 'ev_fail')
    await waitForRun(ns, r2)
    await waitForRun(ns, r3)
    api = await startApi()
    const second = await open(`${url}/events`, { token: tokens.admin, lastEventId: last })
    await second.waitFor(() => runEnded(second.events, r2) && runEnded(second.events, r3), 'the runs that ran while the API was down')
    const alert = await second.waitFor(() => second.events.find((e) => e.event === 'alert' && data(e).runId === r3), 'the alert raised while the API was down')
    assert.equal(data(alert).workflow, 'ev_fail')
    const ids = [...historyIds(ofRuns(first.events, [r1, r2, r3])), ...historyIds(ofRuns(second.events, [r1, r2, r3]))]
    assert.equal(new Set(ids).size, ids.length, 'no duplicate')
    assert.deepEqual(ids, await transitionsOf([r1, r2, r3]), 'no gap')
    const alertVersions = [...first.events, ...second.events].filter((e) => e.event === 'alert').map((e) => `${data(e).alertId}/${data(e).count}/${data(e).status}`)
    assert.equal(new Set(alertVersions).size, alertVersions.length, 'no alert version twice')
    await stopGracefully(api, 10_000)
  })
})

function e0(events: readonly SseEvent[]): SseEvent {
  return events[0]!
}
