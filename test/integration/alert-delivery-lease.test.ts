import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import { startCoordinator, type Coordinator, type CoordinatorOptions } from '@baton/coordinator'
import { createLogger, newId } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { startScriptedWorker } from '../support/scripted-worker.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// No network call inside a transaction: alert deliveries and the outbox relay are claimed with a
// lease in a short statement, sent outside any transaction, and recorded under that lease
// (real NATS, Postgres and HTTP receivers).

/** An HTTP receiver whose answer each test scripts, counting requests per alert cause. */
interface Receiver {
  readonly url: string
  /** Requests received, per alert cause (webhook body `cause`). */
  readonly received: Map<string, number>
  /** Most requests of one cause in flight at once, and of all causes. */
  readonly max: { perCause: number; total: number }
  /** Requests received and not answered yet. */
  inFlight(): number
  /** Drops every connection (a hung request fails at once) and stops listening. */
  close(): Promise<void>
}

async function startReceiver(answer: (cause: string, res: ServerResponse, req: IncomingMessage) => void): Promise<Receiver> {
  const received = new Map<string, number>()
  const open = new Map<string, number>()
  const max = { perCause: 0, total: 0 }
  let total = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const cause = String((JSON.parse(body) as { cause?: string }).cause)
      received.set(cause, (received.get(cause) ?? 0) + 1)
      open.set(cause, (open.get(cause) ?? 0) + 1)
      total++
      max.perCause = Math.max(max.perCause, open.get(cause)!)
      max.total = Math.max(max.total, total)
      res.on('close', () => {
        open.set(cause, open.get(cause)! - 1)
        total--
      })
      answer(cause, res, req)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    max,
    inFlight: () => total,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections()
      await closed
    },
  }
}

let ns: TestNamespace
let dir: string
let routesPath: string
let worker: Awaited<ReturnType<typeof startScriptedWorker>>
const receivers: Record<'hang' | 'slow' | 'lease', Receiver | undefined> = { hang: undefined, slow: undefined, lease: undefined }
const coordinators: Coordinator[] = []
// The lease-expiry receiver's script, set by its test.
let leaseAnswer: (cause: string, res: ServerResponse) => void = (_c, res) => res.writeHead(503).end()

before(async () => {
  // hang: accepts the connection and the request, never answers. slow: 200 after 3 s.
  receivers.hang = await startReceiver(() => {})
  receivers.slow = await startReceiver((_c, res) => void setTimeout(() => res.writeHead(200).end('ok'), 3000))
  receivers.lease = await startReceiver((cause, res) => leaseAnswer(cause, res))
  dir = mkdtempSync(join(tmpdir(), 'baton-alert-lease-'))
  routesPath = join(dir, 'alerts.yaml')
  writeFileSync(
    routesPath,
    [
      'channels:',
      `  hang-hook: { type: webhook, url: "${receivers.hang.url}/hang" }`,
      `  slow-hook: { type: webhook, url: "${receivers.slow.url}/slow" }`,
      `  lease-hook: { type: webhook, url: "${receivers.lease.url}/lease" }`,
      'owners:',
      '  hang-team: [hang-hook]',
      '  slow-team: [slow-hook]',
      '  lease-team: [lease-hook]',
    ].join('\n'),
  )
  ns = await createTestNamespace('alert-lease')
  worker = await startScriptedWorker(ns, 'lease', (cmd) => (cmd.taskId === 'boom' ? { fail: { message: 'boom exploded', retryable: false } } : { succeed: { ok: true } }))
})
after(async () => {
  for (const c of coordinators.splice(0)) await c.stop()
  await worker.stop()
  for (const r of Object.values(receivers)) await r?.close()
  await ns.close()
  rmSync(dir, { recursive: true, force: true })
  await assertNoLeaks()
})

async function coordinator(extra: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  const c = await startCoordinator({ config: { ...ns.config, alertRoutesPath: routesPath }, timerIntervalMs: 50, alertIntervalMs: 50, ...extra })
  coordinators.push(c)
  return c
}

async function stopCoordinators(): Promise<void> {
  for (const c of coordinators.splice(0)) await c.stop()
}

/** Records alerts with one trigger delivery each, as a transition's transaction would have. */
async function insertAlerts(owner: string, channel: string, causes: readonly string[]): Promise<number[]> {
  const alerts = await ns.db
    .insertInto('alerts')
    .values(causes.map((cause) => ({ kind: 'task_failed', workflow: 'lease_probe', partition: cause, run_id: null, details: JSON.stringify({ error: 'probe' }), cause_key: cause, owner })))
    .returning('id')
    .execute()
  const deliveries = await ns.db
    .insertInto('alert_deliveries')
    .values(alerts.map((a) => ({ alert_id: a.id, channel, action: 'trigger' })))
    .returning('id')
    .execute()
  return deliveries.map((d) => d.id)
}

/**
 * Connections of this namespace's coordinators that have sat idle inside an open transaction for
 * over 3 s: a transaction waiting on something other than the database (a receiver, NATS). One
 * held across a send would idle for the whole hang (a send times out after 10 s); a coordinator
 * merely starved of CPU (the browser tests share the machine) can idle between two statements of
 * a batch for a second or two, which 1 s once mistook for a held transaction.
 */
async function idleInTransaction(): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE application_name = ${`baton-coordinator:${ns.config.namespace}`}
      AND state = 'idle in transaction' AND state_change < now() - interval '3 seconds'`.execute(ns.db)
  return r.rows[0]!.n
}

describe('alert delivery: claim, send outside any transaction, record under the lease', () => {
  test('a receiver that never answers holds no transaction open and does not slow transitions', async () => {
    await coordinator()
    const hang = receivers.hang!
    try {
      await deploy(ns, { name: 'doomed', owner: 'hang-team', tasks: { boom: { queue: 'lease' } } })
      await deploy(ns, { name: 'small', tasks: { a: { queue: 'lease' }, b: { after: ['a'], queue: 'lease' } } })
      // Six failed partitions: six alerts, each delivered to the receiver that never answers.
      for (const p of ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06']) {
        assert.equal((await waitForRun(ns, await trigger(ns, 'doomed', { partition: p }))).status, 'failed')
      }
      await eventually(() => hang.inFlight() > 0, 'a send hanging on the receiver')

      const samples = { taken: 0, whileHanging: 0, idleInTransaction: 0 }
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          const hanging = hang.inFlight()
          const idle = await idleInTransaction()
          samples.taken++
          if (hanging > 0) samples.whileHanging++
          samples.idleInTransaction = Math.max(samples.idleInTransaction, idle)
          await new Promise((r) => setTimeout(r, 100))
        }
      })()
      const N = 10
      const runs = await Promise.all(Array.from({ length: N }, () => trigger(ns, 'small')))
      const finished = await Promise.all(runs.map((id) => waitForRun(ns, id)))
      const hangingAtEnd = hang.inFlight()
      sampling = false
      await sampler

      assert.deepEqual(
        finished.map((r) => r.status),
        Array.from({ length: N }, () => 'succeeded'),
        `${N} runs completed while the receiver hung (${hangingAtEnd} sends hanging when they had)`,
      )
      assert.ok(samples.whileHanging > 0, `sampled while sends were hanging (${JSON.stringify(samples)})`)
      assert.equal(samples.idleInTransaction, 0, `no coordinator connection idle in a transaction during the sends (${JSON.stringify(samples)})`)
      assert.equal(hang.max.perCause, 1, 'one delivery is never sent twice at once')
      const delivered = await ns.db.selectFrom('alert_deliveries').select('id').where('channel', '=', 'hang-hook').where('delivered_at', 'is not', null).execute()
      assert.equal(delivered.length, 0, 'nothing the receiver did not accept is recorded as delivered')
    } finally {
      // Leave nothing for the next tests: hung sends fail at once, then these deliveries are done.
      await hang.close()
      await stopCoordinators()
      await ns.db.updateTable('alert_deliveries').set({ delivered_at: new Date(), leased_until: null }).where('channel', '=', 'hang-hook').execute()
    }
  })

  test('two coordinators never send the same delivery while its lease holds', async () => {
    const slow = receivers.slow!
    const causes = Array.from({ length: 8 }, (_x, i) => `slow:${i}`)
    const ids = await insertAlerts('slow-team', 'slow-hook', causes)
    await Promise.all([coordinator(), coordinator()])
    // Each answer takes 3 s, during which both coordinators tick every 50 ms.
    await eventually(
      async () => (await ns.db.selectFrom('alert_deliveries').select('id').where('id', 'in', ids).where('delivered_at', 'is not', null).execute()).length === ids.length,
      'every delivery recorded',
      30_000,
    )
    await stopCoordinators()
    assert.deepEqual(Object.fromEntries(slow.received), Object.fromEntries(causes.map((c) => [c, 1])), 'each delivery sent exactly once')
    assert.equal(slow.max.perCause, 1)
    assert.ok(slow.max.total <= 8, `at most 4 sends in flight per coordinator (${slow.max.total})`)
    const rows = await ns.db.selectFrom('alert_deliveries').select(['attempts', 'leased_until', 'last_error']).where('id', 'in', ids).execute()
    assert.deepEqual(rows.map((r) => [r.attempts, r.leased_until, r.last_error]), ids.map(() => [1, null, null]), 'delivered on the first try, lease freed')
  })

  test('an expired lease lets another job retry, and the first job’s late answer does not overwrite its record', async () => {
    const lease = receivers.lease!
    const lines: Record<string, unknown>[] = []
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>)
        done()
      },
    })
    // The first request is held until the test releases it; the others are refused until `accept`.
    let release: (() => void) | undefined
    let heldClosed = false
    let accept = false
    let accepted = 0
    leaseAnswer = (_cause, res) => {
      if (release === undefined && lease.received.get('lease:0') === 1) {
        res.on('close', () => (heldClosed = true))
        release = () => {
          accepted++
          res.writeHead(200).end('ok')
        }
        return
      }
      if (!accept) return void res.writeHead(503).end()
      accepted++
      res.writeHead(200).end('ok')
    }
    const [id] = await insertAlerts('lease-team', 'lease-hook', ['lease:0'])
    const logger = createLogger({ level: 'warn', destination: capture })
    await Promise.all([coordinator({ alertLeaseMs: 1000, logger }), coordinator({ alertLeaseMs: 1000, logger })])
    const row = () => ns.db.selectFrom('alert_deliveries').select(['attempts', 'delivered_at', 'last_error', 'leased_until']).where('id', '=', id!).executeTakeFirstOrThrow()

    await eventually(() => release !== undefined, 'the first send held by the receiver')
    // The 1 s lease runs out while the first send waits: another job sends again and records the refusal.
    const retried = await eventually(async () => {
      const r = await row()
      return r.last_error === 'HTTP 503' ? r : undefined
    }, 'a retry by another job, recorded')
    assert.equal(heldClosed, false, 'retried while the first send was still waiting for its answer')
    assert.equal(retried.delivered_at, null)
    // The held send and at least one refused retry (jobs keep retrying while it is refused: how
    // many times by now depends on timing).
    assert.ok((lease.received.get('lease:0') ?? 0) >= 2)

    release!()
    await eventually(() => lines.some((l) => /lease expired before its result was recorded/.test(String(l.msg)) && l.delivered === true), "the first job's late answer, refused by the lease guard")
    const after = await row()
    assert.equal(after.delivered_at, null, 'the late answer did not mark it delivered')
    assert.equal(after.last_error, 'HTTP 503', "the second job's record stands")

    accept = true
    const done = await eventually(async () => {
      const r = await row()
      return r.delivered_at !== null ? r : undefined
    }, 'delivered by a later try', 30_000)
    const sentBeforeStop = lease.received.get('lease:0')
    await stopCoordinators()
    assert.equal(accepted, 2, 'the late answer and the last try')
    assert.equal(done.last_error, null)
    assert.equal(done.leased_until, null)
    // Every send is recorded as one attempt — the refused retries (as many as the jobs made before
    // `accept`) and the delivered one — except the held send, whose late answer the guard refused.
    assert.equal(done.attempts, sentBeforeStop! - 1, `refused, retried, then delivered (${done.attempts} attempts, ${sentBeforeStop} sends)`)
    assert.ok(done.attempts >= 2, `refused at least once, then delivered (${done.attempts} attempts)`)
    assert.equal(lease.received.get('lease:0'), sentBeforeStop, 'never sent again once recorded')
  })
})

describe('outbox relay: claim, publish outside any transaction, delete', () => {
  test('rows a crash left behind are published exactly once across two coordinators', async () => {
    const jsSubject = ns.subjects.alert('relay_probe')
    const coreSubject = `${ns.config.namespace}.control.relay_probe`
    const seen = new Map<string, number>()
    const subs = [jsSubject, coreSubject].map((s) => ns.nc.subscribe(s, { callback: (_e, m) => void seen.set(m.headers?.get('Nats-Msg-Id') ?? '?', (seen.get(m.headers?.get('Nats-Msg-Id') ?? '?') ?? 0) + 1) }))
    await ns.nc.flush()
    // Committed with their transition, never published (the coordinator died before): more
    // than one relay claim each, so both coordinators' relays work on them at once.
    const N = 5000
    const run = newId()
    await sql`
      INSERT INTO outbox (transport, subject, msg_id, payload, created_at)
      SELECT CASE WHEN i % 2 = 0 THEN 'jetstream' ELSE 'core' END,
             CASE WHEN i % 2 = 0 THEN ${jsSubject} ELSE ${coreSubject} END,
             ${`relay.${run}.`} || i, jsonb_build_object('n', i), now() - interval '1 minute'
      FROM generate_series(1, ${2 * N}) AS i`.execute(ns.db)

    await Promise.all([coordinator(), coordinator()])
    // A bound, not a speed claim: 10,000 rows on two cores the other suites share.
    await eventually(async () => {
      const r = await ns.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('msg_id', 'like', `relay.${run}.%`).executeTakeFirstOrThrow()
      return Number(r.n) === 0
    }, 'the outbox relayed and emptied', 90_000)
    // Stopping waits for relay ticks in flight and flushes their connections; then every publish has reached us.
    await stopCoordinators()
    await ns.nc.flush()
    for (const s of subs) s.unsubscribe()

    assert.equal(seen.size, 2 * N, 'every row published')
    const twice = [...seen].filter(([, n]) => n !== 1)
    assert.deepEqual(twice, [], 'none published twice')
    const stored = await ns.jsm.streams.info(ns.subjects.alertsStream, { subjects_filter: jsSubject })
    assert.equal(stored.state.subjects?.[jsSubject], N, 'JetStream rows stored once each')
  })
})
