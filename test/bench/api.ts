import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { buildApiServer, createEventRoutes, eventRoutes, loadApiConfig, ROUTE_MODULES } from '@baton/api'
import { createApiToken, createLogger, getRunDetails, listRuns, newId, publishJson } from '@baton/shared'
import { openSse, type SseEvent } from '../support/sse-reader.js'
import { benchEnv, deploy, noopWorker, percentile, r3, requestRun, spawnCoordinator, stopChild, until, type BenchEnv } from './harness.js'

// `make bench api`: the HTTP API's figures (issue 9), each beside the database round trip
// measured in the same run: p50/p99 of GET /runs?limit=100 and GET /runs/{id} of a run of 1,000
// tasks, and SSE delivery delay from commit to client. The API runs as `baton api` (its own
// process and event loop, as deployed); the client is this process.

const BATON_BIN = fileURLToPath(new URL('../../services/cli/bin/baton.js', import.meta.url))

type Emit = (line: Record<string, unknown>) => void

/** p50/p99 of `samples` (ms), rounded. */
function stats(samples: number[]): { p50_ms: number; p99_ms: number; samples: number } {
  const s = [...samples].sort((a, b) => a - b)
  return { p50_ms: r3(percentile(s, 50)), p99_ms: r3(percentile(s, 99)), samples: s.length }
}

/** Times `fn` `n` times, one after the other, after `warm` untimed calls. */
async function timeEach(n: number, fn: () => Promise<unknown>, warm = 10): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn()
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    out.push(performance.now() - t)
  }
  return out
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  await new Promise((r) => server.close(r))
  return port
}

/** `baton api` on a free port; resolves with its URL once it listens. */
export async function spawnApi(env: BenchEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort()
  const child = spawn(process.execPath, [BATON_BIN, 'api'], {
    env: { ...process.env, ...env.env, BATON_API_PORT: String(port), BATON_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'pipe'],
  })
  let err = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      if (err.includes('listening at')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`baton api exited ${code}: ${err}`)))
  })
  return { child, url: `http://127.0.0.1:${port}` }
}

/** A 1,000-task run the way users get one: a deployed workflow run to completion by a coordinator and a worker. */
function wideWorkflow(name: string, tasks: number) {
  const def: Record<string, { queue: string; after?: string[] }> = { root: { queue: 'bench' } }
  for (let i = 0; i < tasks - 2; i++) def[`t${i}`] = { queue: 'bench', after: ['root'] }
  def.join = { queue: 'bench', after: Object.keys(def).filter((k) => k !== 'root') }
  return { name, tasks: def }
}

/** Commit → client: `samples` history rows committed one by one (with the coordinator's notification), each timed to its SSE event. */
async function commitToClient(env: BenchEnv, url: string, token: string, runId: string, samples: number, pauseMs: (i: number) => number): Promise<{ delay: number[]; commit: number[] }> {
  const received = new Map<string, number>()
  const s = await openSse(`${url}/events?type=task`, { token, onEvent: (e: SseEvent) => received.set(JSON.parse(e.data).historyId as string, e.receivedAt) })
  await s.waitFor(() => s.lastEventId() || undefined, 'the stream to open')
  const delay: number[] = []
  const commit: number[] = []
  try {
    for (let i = 0; i < samples; i++) {
      let sent = 0
      const id = await env.db.transaction().execute(async (trx) => {
        const r = await sql<{ id: number }>`INSERT INTO history (run_id, task_id, attempt, kind, from_status, to_status, reason) VALUES (${runId}::uuid, 'bench', ${i + 1}, 'transition', 'running', 'succeeded', 'bench') RETURNING id`.execute(trx)
        await sql`SELECT pg_notify('baton_history', current_schema())`.execute(trx)
        sent = performance.now()
        return String(r.rows[0]!.id)
      })
      commit.push(performance.now() - sent)
      await until(() => received.has(id), 10_000, `event ${id}`)
      delay.push(received.get(id)! - sent)
      await new Promise((r) => setTimeout(r, pauseMs(i)))
    }
  } finally {
    await s.close()
  }
  return { delay, commit }
}

/** The API benchmark. */
export async function apiBench(emit: Emit, n: (x: number) => number): Promise<void> {
  const env = await benchEnv('api')
  const children: ChildProcess[] = []
  try {
    const size = n(1000)
    await deploy(env, wideWorkflow('big', size))
    await deploy(env, { name: 'small', tasks: { only: { queue: 'bench' } } })
    await deploy(env, { name: 'chain', tasks: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, { queue: 'bench', ...(i > 0 ? { after: [`c${i - 1}`] } : {}) }])) })
    const published = new Map<string, number>()
    const worker = await noopWorker(env, 'bench', { beforeSucceed: (cmd) => published.set(`${cmd.runId}/${cmd.taskId}`, Date.now()) })
    children.push(spawnCoordinator(env))
    await new Promise((r) => setTimeout(r, 1500))

    let t = performance.now()
    await requestRun(env, 'big')
    await until(async () => (await env.db.selectFrom('runs').select('status').where('workflow', '=', 'big').executeTakeFirst())?.status === 'succeeded', 300_000, 'the 1,000-task run')
    const bigSeconds = (performance.now() - t) / 1000
    const bigId = (await env.db.selectFrom('runs').select('id').where('workflow', '=', 'big').executeTakeFirstOrThrow()).id
    const listSize = n(300)
    t = performance.now()
    for (let i = 0; i < listSize; i++) await requestRun(env, 'small')
    await until(async () => Number((await env.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow', '=', 'small').where('status', '=', 'succeeded').executeTakeFirst())?.n) === listSize, 300_000, 'the small runs')
    emit({ bench: 'api_setup', big_run_tasks: size, big_run_seconds: r3(bigSeconds), small_runs: listSize, small_runs_seconds: r3((performance.now() - t) / 1000), note: 'deployed and run to completion by a coordinator and a no-op worker' })

    const token = (await createApiToken(env.db, { name: 'bench', grants: [{ role: 'admin' }], expiresAt: null, createdBy: 'bench' })).secret
    const auth = { authorization: `Bearer ${token}` }
    const api = await spawnApi(env)
    children.push(api.child)
    const get = async (path: string) => {
      const res = await fetch(`${api.url}${path}`, { headers: auth })
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
      return res.arrayBuffer()
    }
    const pageBytes = (await get('/runs?limit=100')).byteLength
    const runBytes = (await get(`/runs/${bigId}`)).byteLength
    const rounds = n(200)

    // Interleaved per kind: the HTTP route, then the database reads it makes, then SELECT 1.
    const select1 = stats(await timeEach(rounds, () => sql`SELECT 1`.execute(env.db)))
    const listHttp = stats(await timeEach(rounds, () => get('/runs?limit=100')))
    const listDb = stats(await timeEach(rounds, () => listRuns(env.db, { limit: 101 })))
    emit({ bench: 'api_get_runs_page', path: 'GET /runs?limit=100', http: listHttp, db_same_query: listDb, db_select_1: select1, response_bytes: pageBytes, ratio_p50_http_to_db: r3(listHttp.p50_ms / listDb.p50_ms) })
    const detailRounds = n(100)
    const runHttp = stats(await timeEach(detailRounds, () => get(`/runs/${bigId}`), 5))
    const runDb = stats(await timeEach(detailRounds, () => getRunDetails(env.db, bigId), 5))
    emit({ bench: 'api_get_run_1000_tasks', path: 'GET /runs/{id}', tasks: size, http: runHttp, db_same_query: runDb, db_select_1: select1, response_bytes: runBytes, ratio_p50_http_to_db: r3(runHttp.p50_ms / runDb.p50_ms) })

    // SSE, commit → client, through `baton api` (LISTEN/NOTIFY wake-up).
    const sse = await commitToClient(env, api.url, token, bigId, n(300), (i) => 5 + (i % 7) * 3)
    emit({ bench: 'api_sse_commit_to_client', delay_from_commit_sent: stats(sse.delay), commit_round_trip: stats(sse.commit), db_select_1: select1, wake_up: 'LISTEN/NOTIFY' })

    // The same with the tail polling only (no LISTEN): the figure behind the notification.
    const pollOnly = buildApiServer({
      db: env.db,
      nc: env.nc,
      subjects: env.subjects,
      config: loadApiConfig(env.env, { baton: env.config }),
      logger: createLogger({ level: 'silent' }),
      routes: [...ROUTE_MODULES.filter((m) => m !== eventRoutes), createEventRoutes({ listen: false })],
    })
    await pollOnly.listen({ port: 0, host: '127.0.0.1' })
    try {
      const polled = await commitToClient(env, `http://127.0.0.1:${(pollOnly.server.address() as AddressInfo).port}`, token, bigId, n(100), () => Math.random() * 200)
      emit({ bench: 'api_sse_commit_to_client_poll_only', delay_from_commit_sent: stats(polled.delay), db_select_1: select1, wake_up: 'poll every 200 ms (no LISTEN), server in the bench process', note: 'commits at random times between polls' })
    } finally {
      await pollOnly.close()
    }

    // Worker report → client: a task's `succeeded` published by the worker, through the coordinator, to the SSE client.
    // Wall clock here: `at` (the coordinator's batch start) comes from another process on this machine.
    const receivedAt = new Map<string, { at: number; batch: number }>()
    const s = await openSse(`${api.url}/events?workflow=chain&type=task`, {
      token,
      onEvent: (e) => {
        const d = JSON.parse(e.data) as { runId: string; taskId: string; to: string; at: string }
        if (d.to === 'succeeded') receivedAt.set(`${d.runId}/${d.taskId}`, { at: Date.now(), batch: Date.parse(d.at) })
      },
    })
    const chains = n(10)
    for (let i = 0; i < chains; i++) {
      const id = newId()
      await publishJson(env.js, env.subjects.runRequested, id, { id, workflow: 'chain', idempotencyKey: id })
    }
    await until(() => receivedAt.size >= chains * 20, 120_000, 'every chain task on the stream')
    await s.close()
    const pairs = [...receivedAt].flatMap(([k, r]) => (published.has(k) ? [{ ...r, published: published.get(k)! }] : []))
    emit({
      bench: 'api_sse_report_to_client',
      chains_at_once: chains,
      delay: stats(pairs.map((p) => p.at - p.published)),
      of_which_batch_start_to_client: stats(pairs.map((p) => p.at - p.batch)),
      db_select_1: select1,
      note: 'worker publishes succeeded → coordinator batch (starts at history.at) commits → SSE event received; wall clock, ms resolution',
    })
    await worker.stop()
  } finally {
    for (const c of children) await stopChild(c)
    await env.close()
  }
}
