import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { jetstreamManager } from '@nats-io/jetstream'
import { connectNats, ensureConsumer, ensureStreams, newId, publishJson, subjectsFor, ValidationError } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { NatsCluster, NODE_NAMES, type NodeName } from '../support/nats-cluster.js'
import { startBaton, type BatonProcess } from '../support/processes.js'
import { deploy, duplicateTransitions } from '../support/runs.js'

// Issue 13: Baton on a local 3-node nats-server cluster with BATON_STREAM_REPLICAS=3. Two
// `baton coordinator` processes and a `baton worker` run a diamond workflow; runs are requested
// on the events stream (the trigger path every client uses) while one node is SIGKILLed. With R3
// streams and consumers nothing JetStream acknowledged is on that node alone: every run must
// finish, once, with no transition recorded twice. The node comes back (and catches up) before
// the next case, so each case loses exactly one node of a healthy cluster.

const QUEUE = 'ha'
const RUNS = 40
/** The node is killed once this many runs of the case were requested and some finished. */
const KILL_AFTER = 14
const HANDLERS = new URL('./fixtures/nats-cluster-handlers.ts', import.meta.url).pathname
/**
 * The default heartbeat timeout (10 s): losing the node that leads the coordinators' consumer
 * stops event delivery until nats-server 2.9 elects a new leader (5–10 s measured) plus a re-pull
 * (DURABLE_CONSUME_OPTIONS). Results and heartbeats wait in the stream meanwhile; absence timers
 * wait for them (EventConsumer.eventsAppliedUpTo), so no attempt is failed for that pause.
 */
const step = { queue: QUEUE, handler: 'step' }

let cluster: NatsCluster
let ns: TestNamespace
const procs: { name: string; p: BatonProcess }[] = []

before(async () => {
  cluster = await NatsCluster.start()
  ns = await createTestNamespace('nats_cluster', { natsUrl: cluster.urls, streamReplicas: 3 })
  // A 1 s heartbeat timeout, far shorter than the stall a consumer leader's loss causes.
  await deploy(ns, { name: 'stall', tasks: { long: { queue: QUEUE, handler: 'long', timeout: { heartbeat: '1s' } } } })
  await deploy(ns, { name: 'diamond', tasks: { a: step, b: { ...step, after: ['a'] }, c: { ...step, after: ['a'] }, d: { ...step, after: ['b', 'c'] } } })
  // info: the processes say when they are up (`coordinator started`, `worker started`).
  const env = { ...ns.env, BATON_LOG_LEVEL: 'info' }
  procs.push({ name: 'coordinator 1', p: startBaton(['coordinator'], env) }, { name: 'coordinator 2', p: startBaton(['coordinator'], env) })
  procs.push({ name: 'worker', p: startBaton(['worker', '--queue', QUEUE, '--handlers', HANDLERS], env) })
  for (const { name, p } of procs) await eventually(() => /"msg":"(coordinator|worker) started"/.test(p.output()) || p.child.exitCode !== null, `${name} to start`, 60_000)
  for (const { name, p } of procs) assert.equal(p.child.exitCode, null, `${name} exited:\n${p.output()}`)
})

after(async () => {
  for (const { p } of procs) await p.kill()
  await ns?.close()
  await cluster?.stop()
  await assertNoLeaks()
})

/** The namespace's streams. */
const streams = (): string[] => [ns.subjects.eventsStream, ns.subjects.commandsStream, ns.subjects.alertsStream, ns.subjects.logsStream]

test('with BATON_STREAM_REPLICAS=3, every Baton stream is R3 and every consumer (the coordinators\', the worker queue\'s) has a leader and 2 current replicas', async () => {
  for (const s of streams()) {
    const info = await ns.jsm.streams.info(s)
    assert.equal(info.config.num_replicas, 3, s)
    assert.ok(info.cluster?.leader, `${s} has a leader`)
    assert.equal(info.cluster?.replicas?.length, 2, `${s}: leader + 2 replicas`)
  }
  const consumers = [
    [ns.subjects.eventsStream, ns.subjects.coordinatorConsumer],
    [ns.subjects.commandsStream, ns.subjects.workerConsumer(QUEUE)],
  ] as const
  for (const [stream, durable] of consumers) {
    const info = await eventually(async () => {
      const i = await ns.jsm.consumers.info(stream, durable)
      return i.cluster?.leader && i.cluster.replicas?.filter((r) => r.current).length === 2 ? i : undefined
    }, `consumer ${durable} to have a leader and 2 current replicas`)
    assert.equal(info.config.num_replicas, 0, `${durable} takes its stream's replicas`)
  }
})

test('a process started without BATON_STREAM_REPLICAS keeps the streams and consumers at R3', async () => {
  const nc = await connectNats(cluster.urls, 'test-unset-replicas')
  try {
    const jsm = await ensureStreams(nc, ns.subjects)
    // The coordinators' own settings, so that only the replicas are under test here.
    const { config } = await jsm.consumers.info(ns.subjects.eventsStream, ns.subjects.coordinatorConsumer)
    await ensureConsumer(jsm, ns.subjects.eventsStream, ns.subjects.coordinatorConsumer, ns.subjects.events, { ackWaitMs: Number(config.ack_wait) / 1e6, maxAckPending: config.max_ack_pending! })
    for (const s of streams()) assert.equal((await jsm.streams.info(s)).config.num_replicas, 3, s)
    assert.equal((await jsm.consumers.info(ns.subjects.eventsStream, ns.subjects.coordinatorConsumer)).cluster?.replicas?.length, 2)
  } finally {
    await nc.close()
  }
})

test('on a NATS server outside a cluster, BATON_STREAM_REPLICAS=3 is a config error naming it, and no stream is created', async (t) => {
  const nc = await connectNats(process.env.BATON_NATS_URL ?? 'nats://127.0.0.1:4222', 'test-standalone-replicas')
  try {
    if (nc.info?.cluster) return t.skip('the shared NATS server is clustered')
    const subjects = subjectsFor(`t_nocluster_${newId().slice(-8).replace(/-/g, '')}`)
    await assert.rejects(ensureStreams(nc, subjects, { replicas: 3 }), (e: unknown) => e instanceof ValidationError && e.code === 'CONFIG_INVALID' && e.issues[0]?.path === 'BATON_STREAM_REPLICAS')
    await assert.rejects((await jetstreamManager(nc)).streams.info(subjects.eventsStream), /not found/)
  } finally {
    await nc.close()
  }
})

/**
 * Picks the node (`victim()`, before the load: leaderships stay put while no node fails), requests
 * RUNS diamond runs 150 ms apart, SIGKILLs the node once KILL_AFTER were requested and 5 finished,
 * checks every run, then restarts the node and waits until it has caught up. Returns what
 * happened, for the test's diagnostics.
 */
async function killUnderLoad(label: string, victim: () => Promise<NodeName>): Promise<string> {
  const keys = Array.from({ length: RUNS }, (_, i) => `${label}-${i}`)
  const node = await victim()
  let requested = 0
  const requesting = (async () => {
    for (const key of keys) {
      await requestRun(key)
      requested++
      await new Promise((r) => setTimeout(r, 150))
    }
  })()
  requesting.catch(() => {})
  await eventually(async () => requested >= KILL_AFTER && (await finished(keys)).length >= 5, `${KILL_AFTER} runs requested and 5 finished`, 60_000)
  const led = await leadersOn(node)
  const [atKill, finishedAtKill] = [requested, (await finished(keys)).length]
  await cluster.kill(node, 'SIGKILL')
  const killedAt = Date.now()
  let lastAt = 0
  try {
    await requesting
    const runs = await eventually(async () => {
      const done = await finished(keys)
      lastAt = Date.now()
      return done.length === RUNS ? done : undefined
    }, `all ${RUNS} runs to finish after ${node} was killed`, 120_000).catch(async (e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(await finished(keys, true))}${procs.map(({ name, p }) => `\n--- ${name} ---\n${p.output().trimEnd().split('\n').slice(-15).join('\n')}`).join('')}`)
    })
    const failedAttempts = await sql`SELECT r.idempotency_key, a.task_id, a.attempt, a.queued_at, a.started_at, a.finished_at, a.error FROM task_attempts a JOIN runs r ON r.id = a.run_id WHERE a.status <> 'succeeded' AND r.idempotency_key = ANY(${keys})`.execute(ns.db)
    assert.deepEqual(runs.filter((r) => r.status !== 'succeeded'), [], `every run succeeded (killed ${node}, leading ${led.join(', ')}, at ${new Date(killedAt).toISOString()}; attempts not succeeded: ${JSON.stringify(failedAttempts.rows)})`)
    assert.deepEqual(failedAttempts.rows, [], 'each task succeeded on its first attempt')
    assert.equal(new Set(runs.map((r) => r.key)).size, RUNS, 'one run per request, none lost')
    assert.deepEqual(await duplicateTransitions(ns.db), [], 'no task transition recorded twice')
    const runTwice = await sql<{ run_id: string; to_status: string }>`SELECT run_id, to_status FROM history WHERE kind = 'run' GROUP BY run_id, to_status HAVING count(*) > 1`.execute(ns.db)
    assert.deepEqual(runTwice.rows, [], 'no run reached a status twice')
  } finally {
    await cluster.restart(node)
    await cluster.waitCurrent(ns.jsm, streams())
  }
  return `killed ${node} (leading ${led.join(', ') || 'nothing of the namespace'}) with ${atKill - finishedAtKill} runs in flight and ${RUNS - atKill} still to request; every run finished ${((lastAt - killedAt) / 1000).toFixed(1)} s after the kill`
}

/** What `node` leads among the namespace's streams and consumers. */
async function leadersOn(node: NodeName): Promise<string[]> {
  const out: string[] = []
  for (const s of streams()) {
    if ((await ns.jsm.streams.info(s)).cluster?.leader === node) out.push(s)
    for await (const c of ns.jsm.consumers.list(s)) if (c.cluster?.leader === node) out.push(`${s}/${c.name}`)
  }
  return out
}

/** Publishes a `run.requested` until JetStream stores it (a retry after a lost ack is de-duplicated by its id). */
async function requestRun(key: string): Promise<void> {
  const id = newId()
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow: 'diamond', idempotencyKey: key })
      return
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

/** The runs of `keys` that are terminal (or, with `all`, every run of them with its status). */
async function finished(keys: readonly string[], all = false): Promise<{ key: string; status: string }[]> {
  const rows = await sql<{ key: string; status: string }>`SELECT idempotency_key AS key, status FROM runs WHERE workflow = 'diamond' AND idempotency_key = ANY(${keys as string[]})`.execute(ns.db)
  return rows.rows.filter((r) => all || ['succeeded', 'failed', 'cancelled'].includes(r.status))
}

const TITLE = `${RUNS} runs under load, one node SIGKILLed mid-load: every run succeeds (each task on its first attempt), none lost, no transition twice`

test(`${TITLE} — the node leading the events stream`, async (t) => {
  t.diagnostic(await killUnderLoad('events', () => cluster.streamLeader(ns.jsm, ns.subjects.eventsStream)))
})

test(`${TITLE} — the node leading the commands stream, and neither the events stream nor the coordinators' consumer`, async (t) => {
  t.diagnostic(await killUnderLoad('commands', async () => leadingOnly(await cluster.streamLeader(ns.jsm, ns.subjects.commandsStream), [ns.subjects.commandsStream, `${ns.subjects.commandsStream}/${ns.subjects.workerConsumer(QUEUE)}`])))
})

test(`${TITLE} — the node leading the coordinators' consumer and nothing else of the namespace`, async (t) => {
  const consumer = `${ns.subjects.eventsStream}/${ns.subjects.coordinatorConsumer}`
  t.diagnostic(await killUnderLoad('consumer', async () => leadingOnly((await ns.jsm.consumers.info(ns.subjects.eventsStream, ns.subjects.coordinatorConsumer)).cluster!.leader as NodeName, [consumer])))
})

test(`${TITLE} — a node leading nothing of the namespace`, async (t) => {
  t.diagnostic(await killUnderLoad('follower', () => leadingOnly(NODE_NAMES[0], [])))
})

/**
 * Moves the leadership of whatever `node` leads in the namespace, except `keep`, to the other
 * nodes (leader stepdowns, until none is left) and returns `node`: the case kills exactly the roles it names.
 */
async function leadingOnly(node: NodeName, keep: readonly string[]): Promise<NodeName> {
  for (let round = 0; round < 20; round++) {
    const extra = (await leadersOn(node)).filter((x) => !keep.includes(x))
    if (extra.length === 0) return node
    for (const x of extra) {
      const [stream, consumer] = x.split('/')
      await ns.nc.request(consumer ? `$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${consumer}` : `$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5000 })
    }
    await cluster.waitCurrent(ns.jsm, streams())
  }
  throw new Error(`${node} still leads more than ${keep.join(', ') || 'nothing'} after 20 rounds of stepdowns`)
}

test("the coordinators' consumer leader killed while attempts run with a 1 s heartbeat timeout: delivery stalls for seconds, yet no attempt is failed for heartbeats waiting in the stream", async (t) => {
  const consumerLeader = async () => leadingOnly((await ns.jsm.consumers.info(ns.subjects.eventsStream, ns.subjects.coordinatorConsumer)).cluster!.leader as NodeName, [`${ns.subjects.eventsStream}/${ns.subjects.coordinatorConsumer}`])
  const node = await consumerLeader()
  const keys = Array.from({ length: 4 }, (_, i) => `stall-${i}`)
  for (const key of keys) await publishJson(ns.js, ns.subjects.runRequested, newId(), { id: newId(), workflow: 'stall', idempotencyKey: key })
  await eventually(async () => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM task_states t JOIN runs r ON r.id = t.run_id WHERE r.workflow = 'stall' AND t.status = 'running'`.execute(ns.db)
    return r.rows[0]!.n === keys.length
  }, 'the four attempts to be running')
  await cluster.kill(node, 'SIGKILL')
  const killedAt = Date.now()
  try {
    const runs = await eventually(async () => {
      const r = await sql<{ key: string; status: string }>`SELECT idempotency_key AS key, status FROM runs WHERE workflow = 'stall'`.execute(ns.db)
      return r.rows.every((x) => ['succeeded', 'failed', 'cancelled'].includes(x.status)) && r.rows.length === keys.length ? r.rows : undefined
    }, 'the stalled runs to finish', 90_000)
    const attempts = await sql<{ attempt: number; status: string; error: unknown }>`SELECT a.attempt, a.status, a.error FROM task_attempts a JOIN runs r ON r.id = a.run_id WHERE r.workflow = 'stall' ORDER BY a.attempt`.execute(ns.db)
    assert.deepEqual(runs.map((r) => r.status), keys.map(() => 'succeeded'), JSON.stringify(attempts.rows))
    assert.deepEqual(attempts.rows.map((a) => [a.attempt, a.status]), keys.map(() => [1, 'succeeded']), `one attempt each, none failed by heartbeat_timeout: ${JSON.stringify(attempts.rows)}`)
    t.diagnostic(`killed ${node}; the runs finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s later`)
  } finally {
    await cluster.restart(node)
    await cluster.waitCurrent(ns.jsm, streams())
  }
})
