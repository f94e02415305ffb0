import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { MIGRATION_NAMES, subjectsFor } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton, startBaton, startCoordinatorProcess, type BatonProcess, stopGracefully } from '../support/processes.js'
import { assertOneErrorLine, STACK, type CliResult } from '../support/cli-assertions.js'

// `baton doctor` as an operator runs it, against this machine's NATS (one 2.9 server, so R1
// streams) and Postgres (fsync on): a namespace with a deployed workflow using two queues, a
// coordinator, and a worker for one of the queues; a namespace never migrated; servers that do
// not answer. Doctor is read-only: it must create no schema, stream or consumer.

/** The queue a worker serves, the one none does, and one only an archived workflow uses. */
const SERVED = 'doctor_served'
const UNSERVED = 'doctor_unserved'
const ARCHIVED = 'doctor_archived'

interface Check {
  name: string
  status: 'ok' | 'warn' | 'fail'
  value: string
  advice: string
}
interface Report {
  checks: Check[]
  ok: boolean
}

let ns: TestNamespace
let tmp: string
const processes: BatonProcess[] = []

const doctor = (args: string[] = [], env: Record<string, string> = ns.env): Promise<CliResult> => runBaton(['doctor', ...args], env)

/** The statuses this machine's servers and the fixtures of `before` lead to, by check name. */
function expectedStatuses(): Record<string, Check['status']> {
  const version = ns.nc.info?.version ?? ''
  return {
    // 2.9.10 here; only 2.10.20–2.10.22 (and anything below 2.9.4) fail.
    'nats.version': /^2\.10\.2[0-2]$/.test(version) ? 'fail' : 'ok',
    'jetstream.sync': 'warn', // no client can see it (and 2.9 has no such setting)
    'jetstream.streams': 'ok',
    'jetstream.storage': 'ok', // file streams
    'jetstream.replicas': 'warn', // one server: R1
    'jetstream.duplicate_window': 'ok',
    'consumer.coordinator': 'ok',
    [`consumer.worker_${SERVED}`]: 'ok',
    [`consumer.worker_${UNSERVED}`]: 'warn', // no worker ever started there
    'postgres.version': 'ok',
    'postgres.fsync': 'ok',
    'postgres.synchronous_commit': 'ok',
    'postgres.full_page_writes': 'ok',
    'postgres.primary': 'ok',
    'postgres.migrations': 'ok',
    'clock.skew': 'ok',
  }
}

/** The check lines of the human output: status and name of each, in order. */
function checkLines(stdout: string): { status: string; name: string; line: string }[] {
  const lines = stdout.trimEnd().split('\n')
  assert.match(lines[0]!, /^baton doctor: namespace '/, 'first line names what was checked')
  assert.match(lines.at(-1)!, /^\d+ checks: \d+ ok, \d+ warn, \d+ fail$/, 'last line counts them')
  return lines.slice(1, -1).map((line) => {
    const m = /^(ok|warn|fail) +(\S+) +\S.*? {2,}\S.*[.)]$/.exec(line)
    assert.ok(m, `a check line: status, name, value, advice: ${line}`)
    return { status: m[1]!, name: m[2]!, line }
  })
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** Whether the namespace has a schema, and which of its streams exist. */
async function footprint(namespace: string): Promise<{ schema: boolean; streams: string[] }> {
  const s = subjectsFor(namespace)
  const found = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${namespace}`.execute(ns.db)
  const streams: string[] = []
  for (const name of [s.eventsStream, s.commandsStream, s.alertsStream, s.logsStream]) {
    if (await ns.jsm.streams.info(name).then(() => true, () => false)) streams.push(name)
  }
  return { schema: found.rows[0]!.n === 1, streams }
}

before(async () => {
  ns = await createTestNamespace('doctor_cli')
  tmp = await mkdtemp(join(tmpdir(), 'baton-doctor-e2e-'))
  const sh = { sh: 'echo "{}"' }
  const file = join(tmp, 'doctor_wf.json')
  await writeFile(file, JSON.stringify({ name: 'doctor_wf', tasks: { extract: { queue: SERVED, run: sh }, load: { after: ['extract'], queue: UNSERVED, run: sh } } }))
  const archived = join(tmp, 'doctor_old.json')
  await writeFile(archived, JSON.stringify({ name: 'doctor_old', tasks: { t: { queue: ARCHIVED, run: sh } } }))
  for (const args of [['deploy', file], ['deploy', archived], ['undeploy', 'doctor_old']]) {
    const r = await runBaton(args, ns.env)
    assert.equal(r.code, 0, `baton ${args.join(' ')}: ${r.stderr}`)
  }
  const coordinator = startCoordinatorProcess(ns.env, processes)
  const worker = startBaton(['worker', '--queue', SERVED], ns.env)
  processes.push(worker)
  await eventually(() => ns.jsm.consumers.info(ns.subjects.eventsStream, ns.subjects.coordinatorConsumer).then(() => true), `the coordinator's consumer (${coordinator.output()})`, 30_000)
  await eventually(() => ns.jsm.consumers.info(ns.subjects.commandsStream, ns.subjects.workerConsumer(SERVED)).then(() => true), `the worker's consumer (${worker.output()})`, 30_000)
})

after(async () => {
  await Promise.all(processes.map((p) => stopGracefully(p)))
  await rm(tmp, { recursive: true, force: true })
  await ns.close()
  await assertNoLeaks()
})

test('a healthy single-server deployment: every check once, R1 streams, sync unknown and the unserved queue warn, nothing fails, exit 0', async () => {
  const r = await doctor()
  assert.equal(r.code, 0, `exit code; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  assert.equal(r.stderr, '')
  const lines = checkLines(r.stdout)
  const expected = expectedStatuses()
  assert.deepEqual(lines.map((l) => l.name).sort(), Object.keys(expected).sort(), 'the exact set of checks (no archived workflow queue)')
  assert.deepEqual(Object.fromEntries(lines.map((l) => [l.name, l.status])), expected)
  const line = (name: string): string => lines.find((l) => l.name === name)!.line
  assert.match(line('jetstream.replicas'), /R1 .*R3 recommended in production, one node's disk loss loses messages/)
  assert.match(line('jetstream.sync'), /^warn +jetstream\.sync +(unknown|not settable before 2\.10) .*`jetstream \{ sync_interval: always \}` on every server/)
  assert.match(line('jetstream.duplicate_window'), / 10m /)
  assert.match(line('consumer.coordinator'), /ack wait 2s/)
  assert.match(line(`consumer.worker_${SERVED}`), /ack wait 30s/)
  assert.match(line(`consumer.worker_${UNSERVED}`), new RegExp(`missing .*no worker ever started on queue '${UNSERVED}' \\(used by doctor_wf\\)`))
  assert.match(line('postgres.fsync'), / on /)
  assert.match(line('postgres.migrations'), new RegExp(`${MIGRATION_NAMES.length} of ${MIGRATION_NAMES.length} applied`))
  assert.match(r.stdout, new RegExp(`\\n${lines.length} checks: \\d+ ok, 3 warn, 0 fail\\n$`))
})

test('--json prints { checks: [{ name, status, value, advice }], ok } with the same checks', async () => {
  const r = await doctor(['--json'])
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as Report
  assert.deepEqual(Object.keys(report), ['checks', 'ok'])
  assert.equal(report.ok, true)
  for (const c of report.checks) {
    assert.deepEqual(Object.keys(c), ['name', 'status', 'value', 'advice'])
    assert.ok(['ok', 'warn', 'fail'].includes(c.status))
    assert.equal(typeof c.value, 'string')
    assert.ok(c.value.length > 0, `${c.name} has a value`)
    assert.match(c.advice, /^\S.*[.)]$/, `${c.name}: one sentence`)
  }
  assert.deepEqual(Object.fromEntries(report.checks.map((c) => [c.name, c.status])), expectedStatuses())
})

test('a namespace never migrated: migrations and streams fail, exit 1, and doctor created nothing', async () => {
  const fresh = `t_doctor_never_${randomBytes(4).toString('hex')}`
  const env = { ...ns.env, BATON_NAMESPACE: fresh }
  const r = await doctor([], env)
  assert.equal(r.code, 1, `exit code; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  assert.equal(r.stderr, '')
  const status = Object.fromEntries(checkLines(r.stdout).map((l) => [l.name, l.status]))
  assert.equal(status['postgres.migrations'], 'fail')
  assert.equal(status['jetstream.streams'], 'fail')
  assert.equal(status['consumer.coordinator'], 'warn')
  assert.equal(status['postgres.fsync'], 'ok', 'the server checks still run')
  assert.match(r.stdout, new RegExp(`postgres\\.migrations +no schema '${fresh}'`))

  const json = await doctor(['--json'], env)
  assert.equal(json.code, 1)
  const report = JSON.parse(json.stdout) as Report
  assert.equal(report.ok, false)
  assert.equal(report.checks.find((c) => c.name === 'postgres.migrations')!.status, 'fail')
  assert.deepEqual(await footprint(fresh), { schema: false, streams: [] }, 'read-only: no schema, no stream')
})

test('a schema behind this Baton fails on migrations (exit 1); one ahead of it warns (exit 0)', async () => {
  const table = sql.table(`${ns.config.namespace}.kysely_migration`)
  const last = MIGRATION_NAMES.at(-1)!
  const row = (await sql<{ name: string; timestamp: string }>`SELECT name, timestamp FROM ${table} WHERE name = ${last}`.execute(ns.db)).rows[0]!
  await sql`DELETE FROM ${table} WHERE name = ${last}`.execute(ns.db)
  try {
    const behind = await doctor()
    assert.equal(behind.code, 1, behind.stdout)
    assert.match(behind.stdout, new RegExp(`\\nfail +postgres\\.migrations +${MIGRATION_NAMES.length - 1} of ${MIGRATION_NAMES.length} applied, pending ${last} `))
  } finally {
    await sql`INSERT INTO ${table} (name, timestamp) VALUES (${row.name}, ${row.timestamp})`.execute(ns.db)
  }
  await sql`INSERT INTO ${table} (name, timestamp) VALUES ('9999_from_a_newer_baton', ${new Date().toISOString()})`.execute(ns.db)
  try {
    const ahead = await doctor()
    assert.equal(ahead.code, 0, ahead.stdout)
    assert.match(ahead.stdout, /\nwarn +postgres\.migrations +.*newer 9999_from_a_newer_baton /)
  } finally {
    await sql`DELETE FROM ${table} WHERE name = '9999_from_a_newer_baton'`.execute(ns.db)
  }
})

test('NATS or Postgres unreachable: one error line naming it, nothing on stdout, exit 3', async () => {
  const port = await closedPort()
  const noNats = await doctor([], { ...ns.env, BATON_NATS_URL: `nats://127.0.0.1:${port}` })
  assertOneErrorLine(noNats, new RegExp(`cannot connect to NATS at nats://127\\.0\\.0\\.1:${port}`), 3)
  const noPostgres = await doctor(['--json'], { ...ns.env, BATON_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/baton` })
  assertOneErrorLine(noPostgres, new RegExp(`cannot reach Postgres at 127\\.0\\.0\\.1:${port}/baton`), 3)
  const neither = await doctor([], { ...ns.env, BATON_NATS_URL: `nats://127.0.0.1:${port}`, BATON_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/baton` })
  assertOneErrorLine(neither, /cannot connect to NATS/, 3)
  assert.doesNotMatch(neither.stderr, STACK)
})
