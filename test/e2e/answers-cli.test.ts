import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DateTime } from 'luxon'
import { newId, publishJson } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton, startBaton, type BatonProcess } from '../support/processes.js'
import { type CliResult, assertOneErrorLine, UUID, batonJson as batonJsonIn, triggerId as triggerIdIn } from '../support/cli-assertions.js'

// The questions an on-call engineer asks the `baton` command — which runs failed and why, what
// each attempt did, who was alerted and whether it reached them, what was refused, what is
// deployed and how fresh its data is — answered from runs with known outcomes: fixtures in
// test/e2e/fixtures-answers/ run by one `baton dev` process, with an alert receiver that accepts
// one channel of the owner and refuses the other. Then params on every path that starts a run,
// and bad input everywhere.

const FIXTURES = relative(process.cwd(), fileURLToPath(new URL('./fixtures-answers', import.meta.url)))
/** The quality run's partition, and the partitions of the data-gated workflow (P1 complete, P2 partial). */
const QUALITY_PARTITION = '2026-02-01'
const GATE_COMPLETE = '2026-02-10'
const GATE_PARTIAL = '2026-02-11'
/** The partition `baton status` expects now for a UTC date workflow: the toggle's, so that it can be complete. */
const YESTERDAY = DateTime.utc().minus({ days: 1 }).toFormat('yyyy-LL-dd')

interface AttemptJson {
  attempt: number
  status: string
  queueWaitMs: number | null
  durationMs: number | null
  backoffMs: number | null
  error: { message?: string; kind?: string } | null
}
interface RunJson {
  id: string
  workflow: string
  status: string
  partition: string | null
  params: Record<string, unknown>
  trigger: string
  tasks: { id: string; status: string; attempts: number; attemptDetails: AttemptJson[]; check: { passed: boolean; details: unknown; sample: unknown } | null }[]
}
interface RunSummaryJson {
  id: string
  workflow: string
  status: string
  partition: string | null
  trigger: string
  error: { taskId: string; message: string } | null
}
interface AlertJson {
  id: number
  kind: string
  status: string
  workflow: string | null
  partition: string | null
  runId: string | null
  owner: string | null
  summary: string
  details: Record<string, unknown>
  deliveries: { channel: string; action: string; status: string; attempts: number; lastError: string | null }[]
}
interface DeadLetterJson {
  subject: string
  msgId: string | null
  reason: string
  payload: string
}
interface WorkflowJson {
  name: string
  owner: string | null
  archivedAt: string | null
  schedule: { cron: string; timezone: string; nextFireAt: string | null; nextFireLocal: string | null } | null
  gate: { sourcesLanded: string[]; partition: string; expectBy: string | null } | null
  lastRun: { id: string; status: string; partition: string | null } | null
}
interface FreshnessJson {
  workflow: string
  state: string
  latestPartition: string | null
  missing: string[]
}

let ns: TestNamespace
/** The namespace's environment plus the alert routes. */
let env: Record<string, string>
let dev: BatonProcess
let server: Server
let tmp: string
/** Bodies the receiver accepted, by path. */
const received: { path: string; body: Record<string, unknown> }[] = []
/** Requests the receiver refused (503). */
let refused = 0
let qualityRunId: string
let toggleFailedRunId: string

function baton(args: string[]): Promise<CliResult> {
  return runBaton(args, env)
}

const batonJson = <T>(args: string[]): Promise<T> => batonJsonIn<T>(env, args)
const triggerId = (args: string[]): Promise<string> => triggerIdIn(env, args)

/** Waits for a run to finish and returns it as `baton run --json` shows it. */
async function finishedRun(id: string): Promise<RunJson> {
  return eventually(async () => {
    const run = await batonJson<RunJson>(['run', id])
    return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined
  }, `run ${id} to finish`, 60_000)
}

function taskOf(run: RunJson, id: string): RunJson['tasks'][number] {
  const t = run.tasks.find((x) => x.id === id)
  assert.ok(t, `task ${id} in ${JSON.stringify(run.tasks.map((x) => x.id))}`)
  return t
}

/** The rows of a cli-table3 table whose first line contains `needle` (cells split on │). */
function rowCells(text: string, needle: string): string[] {
  const line = text.split('\n').find((l) => l.includes(needle))
  assert.ok(line, `a row with ${needle} in:\n${text}`)
  return line.split('│').slice(1, -1).map((c) => c.trim())
}

/** Waits until a dead letter with this message id exists, and returns it. */
async function deadLetter(msgId: string): Promise<DeadLetterJson> {
  return eventually(async () => (await batonJson<DeadLetterJson[]>(['dead-letters'])).find((d) => d.msgId === msgId), `message ${msgId} to be dead-lettered`)
}

/** The next 06:00 in Paris after `t`, as an instant. */
function nextSixParis(t: Date): DateTime {
  const local = DateTime.fromJSDate(t, { zone: 'Europe/Paris' })
  const six = local.set({ hour: 6, minute: 0, second: 0, millisecond: 0 })
  return six > local ? six : six.plus({ days: 1 })
}

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      if (req.url === '/refuse') {
        refused++
        res.writeHead(503).end()
        return
      }
      received.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  tmp = await mkdtemp(join(tmpdir(), 'baton-answers-e2e-'))
  const routes = join(tmp, 'alerts.yaml')
  await writeFile(
    routes,
    [
      'channels:',
      `  ok-hook: { type: webhook, url: "${base}/ok" }`,
      `  refuse-hook: { type: webhook, url: "${base}/refuse" }`,
      'owners:',
      '  answers-team: [ok-hook, refuse-hook]',
    ].join('\n'),
  )
  ns = await createTestNamespace('answers')
  env = { ...ns.env, BATON_ALERT_ROUTES: routes }
  const deployed = await baton(['deploy', FIXTURES])
  assert.equal(deployed.code, 0, deployed.stderr)
  dev = startBaton(['dev', '--handlers', join(FIXTURES, 'handlers.ts')], env)
  await eventually(() => dev.output().includes('baton dev: coordinator and workers') || dev.child.exitCode !== null, 'baton dev to start', 60_000)
  assert.equal(dev.child.exitCode, null, `baton dev exited early:\n${dev.output()}`)

  // Known outcomes: the quality run fails its check (build needed a retry), a toggle run fails
  // then a later one of the same partition succeeds, the gate has one complete partition
  // (an automatic run) and a newer one still waiting for refunds.
  qualityRunId = await triggerId(['ans_quality', '--partition', QUALITY_PARTITION])
  toggleFailedRunId = await triggerId(['ans_toggle', '--partition', YESTERDAY, '--param', 'fail=true'])
  assert.equal((await finishedRun(toggleFailedRunId)).status, 'failed')
  // The alert of the failure exists before the success that resolves it.
  await eventually(async () => (await ns.db.selectFrom('alerts').select('id').where('workflow', '=', 'ans_toggle').executeTakeFirst()) ?? undefined, 'the toggle alert')
  assert.equal((await finishedRun(await triggerId(['ans_toggle', '--partition', YESTERDAY]))).status, 'succeeded')
  for (const [source, partition] of [
    ['ans_orders', GATE_COMPLETE],
    ['ans_refunds', GATE_COMPLETE],
    ['ans_orders', GATE_PARTIAL],
  ] as const) {
    const r = await baton(['emit', 'source', source, '--partition', partition])
    assert.equal(r.code, 0, r.stderr)
    const eventId = r.stdout.trim()
    await eventually(() => ns.db.selectFrom('source_landings').select('id').where('event_id', '=', eventId).executeTakeFirst(), `landing of ${source} ${partition} applied`)
  }
  // Applied with the landing that completed it: the run of the complete partition, created.
  assert.ok(await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'ans_gate').where('partition', '=', GATE_COMPLETE).executeTakeFirst(), 'the readiness run')
  assert.equal((await finishedRun(qualityRunId)).status, 'failed')
})

after(async () => {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r('no exit within 60s'), 60_000)))
  const stopped = dev ? await Promise.race([dev.kill('SIGTERM').then(() => dev.exited), deadline]) : 0
  clearTimeout(timer)
  if (typeof stopped === 'string') await dev.kill('SIGKILL')
  if (server) {
    const closed = new Promise((r) => server.close(r))
    server.closeAllConnections()
    await closed
  }
  await rm(tmp, { recursive: true, force: true })
  await ns.close()
  assert.equal(stopped, 0, `baton dev did not shut down gracefully (${String(stopped)}):\n${dev?.output()}`)
  await assertNoLeaks()
})

describe('runs and run: what failed and what each attempt did', () => {
  test('runs --status failed --since 1h lists the failed quality run with its first failed task and error, and nothing that succeeded', async () => {
    const runs = await batonJson<RunSummaryJson[]>(['runs', '--status', 'failed', '--since', '1h'])
    for (const r of runs) assert.equal(r.status, 'failed')
    const q = runs.find((r) => r.id === qualityRunId)
    assert.ok(q, JSON.stringify(runs))
    assert.deepEqual(q, { ...q, workflow: 'ans_quality', partition: QUALITY_PARTITION, trigger: 'manual', error: { taskId: 'check_rows', message: 'check failed: 2 rows with negative revenue' } })
    assert.ok(runs.some((r) => r.id === toggleFailedRunId))
    assert.ok(!runs.some((r) => r.workflow === 'ans_params' || r.workflow === 'ans_gate'))

    const table = await baton(['runs', '--status', 'failed', '--since', '1h'])
    assert.equal(table.code, 0, table.stderr)
    const cells = rowCells(table.stdout, qualityRunId)
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]], [qualityRunId, 'ans_quality', 'failed', QUALITY_PARTITION, 'manual', '3/3'])
    assert.equal(cells[7], 'check_rows: check failed: 2 rows with negative revenue')
  })

  test('runs --until before the runs were created lists none of them', async () => {
    const runs = await batonJson<RunSummaryJson[]>(['runs', '--since', '2000-01-01', '--until', '2001-01-01'])
    assert.deepEqual(runs, [])
  })

  test('run --json shows every attempt with queue wait, duration and backoff, the check verdict with its sample, and the held-back task', async () => {
    const run = await batonJson<RunJson>(['run', qualityRunId])
    assert.equal(run.status, 'failed')
    const build = taskOf(run, 'build')
    assert.equal(build.status, 'succeeded')
    assert.deepEqual(build.attemptDetails.map((a) => [a.attempt, a.status]), [
      [1, 'failed'],
      [2, 'succeeded'],
    ])
    const [first, second] = build.attemptDetails
    assert.equal(first!.backoffMs, null, 'no backoff before the first attempt')
    assert.equal(first!.error?.message, 'warehouse busy, try again')
    assert.ok(second!.backoffMs !== null && second!.backoffMs >= 300 && second!.backoffMs < 10_000, `backoff of the retry (300ms, no jitter): ${second!.backoffMs}`)
    // Queue wait and duration are measured, so their values vary: each attempt has both, as
    // numbers of milliseconds (never negative), which is what the run shows.
    for (const a of build.attemptDetails) {
      assert.ok(typeof a.queueWaitMs === 'number' && a.queueWaitMs >= 0, `queue wait of attempt ${a.attempt}`)
      assert.ok(typeof a.durationMs === 'number' && a.durationMs >= 0, `duration of attempt ${a.attempt}`)
    }
    const check = taskOf(run, 'check_rows')
    assert.equal(check.status, 'failed')
    assert.equal(check.attemptDetails[0]!.error?.kind, 'check_failed')
    assert.deepEqual(check.check, { passed: false, details: '2 rows with negative revenue', sample: [{ id: 7, revenue: -3 }, { id: 9, revenue: -1 }] })
    const publish = taskOf(run, 'publish')
    assert.equal(publish.status, 'upstream_failed')
    assert.deepEqual(publish.attemptDetails, [])
  })

  test('run shows an attempts table with backoff, queue wait and ran columns, the check details and its sample rows as a table', async () => {
    const r = await baton(['run', qualityRunId])
    assert.equal(r.code, 0, r.stderr)
    const [, attempts] = r.stdout.split('\nattempts\n')
    assert.ok(attempts, r.stdout)
    assert.deepEqual(rowCells(attempts, 'worker'), ['task', 'attempt', 'status', 'worker', 'backoff', 'queue wait', 'ran', 'error'])
    const rows = attempts.split('\n').filter((l) => /^│ (build|check_rows) /.test(l)).map((l) => l.split('│').slice(1, -1).map((c) => c.trim()))
    assert.deepEqual(rows.map((c) => [c[0], c[1], c[2]]), [
      ['build', '1', 'failed'],
      ['build', '2', 'succeeded'],
      ['check_rows', '1', 'failed'],
    ])
    assert.equal(rows[0]![4], '-', 'no backoff before the first attempt')
    assert.match(rows[1]![4]!, /^\d+ms$|^\d+\.\ds$/, 'the backoff of the retry')
    for (const c of rows) {
      assert.match(c[5]!, /^\d+ms$|^\d+\.\ds$/, 'queue wait')
      assert.match(c[6]!, /^\d+ms$|^\d+\.\ds$/, 'ran')
    }
    assert.equal(rows[0]![7], 'warehouse busy, try again')
    assert.equal(rows[2]![7], '[check_failed] data-quality check failed')
    assert.match(r.stdout, /^check check_rows failed: 2 rows with negative revenue$/m)
    const [, sample] = r.stdout.split('sample of bad rows:\n')
    assert.ok(sample, r.stdout)
    assert.deepEqual(rowCells(sample, 'revenue'), ['id', 'revenue'])
    assert.deepEqual(rowCells(sample, '-3'), ['7', '-3'])
    assert.deepEqual(rowCells(sample, '-1'), ['9', '-1'])
  })
})

describe('alerts: who was told, and did it reach them', () => {
  test('the failed check raised one alert for its owner: delivered to the accepting channel, retrying (more than one attempt) to the refusing one', async () => {
    const alert = await eventually(async () => {
      const a = (await batonJson<AlertJson[]>(['alerts'])).find((x) => x.runId === qualityRunId)
      const refusing = a?.deliveries.find((d) => d.channel === 'refuse-hook')
      const accepting = a?.deliveries.find((d) => d.channel === 'ok-hook')
      return refusing && refusing.attempts > 1 && accepting?.status === 'delivered' ? a : undefined
    }, 'the alert delivered to ok-hook and retried to refuse-hook', 30_000)
    assert.equal(alert.kind, 'check_failed')
    assert.equal(alert.status, 'firing')
    assert.equal(alert.owner, 'answers-team')
    assert.equal(alert.workflow, 'ans_quality')
    assert.equal(alert.partition, QUALITY_PARTITION)
    assert.match(alert.summary, /quality check check_rows failed/)
    assert.equal(alert.details.check, '2 rows with negative revenue')
    assert.deepEqual(alert.details.sample, [{ id: 7, revenue: -3 }, { id: 9, revenue: -1 }])
    const byChannel = Object.fromEntries(alert.deliveries.map((d) => [d.channel, d]))
    assert.deepEqual(Object.keys(byChannel).sort(), ['ok-hook', 'refuse-hook'])
    assert.deepEqual({ ...byChannel['ok-hook'] }, { ...byChannel['ok-hook']!, action: 'trigger', status: 'delivered', attempts: 1, lastError: null })
    assert.equal(byChannel['refuse-hook']!.action, 'trigger')
    assert.equal(byChannel['refuse-hook']!.status, 'retrying')
    assert.equal(byChannel['refuse-hook']!.lastError, 'HTTP 503')
    assert.ok(refused > 1, 'the receiver refused it more than once')
    assert.equal(received.filter((r) => r.path === '/ok' && r.body.runId === qualityRunId).length, 1, 'the accepting channel got it once')

    const table = await baton(['alerts'])
    assert.equal(table.code, 0, table.stderr)
    const cells = rowCells(table.stdout, `ans_quality ${QUALITY_PARTITION}`)
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], cells[4]], [String(alert.id), 'check_failed', 'firing', `ans_quality ${QUALITY_PARTITION}`, 'answers-team'])
    assert.equal(cells[5], 'ok-hook trigger delivered')
    assert.match(table.stdout, /│ refuse-hook trigger retrying \(\d+ attempts\)\s+│/)
    assert.match(table.stdout, /│ {3}HTTP 503\s+│/)
  })

  test('--open leaves out the resolved alert of the toggle; --workflow shows only that workflow, resolved, with its resolve delivered', async () => {
    const resolved = await eventually(async () => {
      const a = (await batonJson<AlertJson[]>(['alerts', '--workflow', 'ans_toggle']))[0]
      return a?.status === 'resolved' && a.deliveries.some((d) => d.channel === 'ok-hook' && d.action === 'resolve' && d.status === 'delivered') ? a : undefined
    }, 'the toggle alert resolved and its resolve delivered')
    const toggle = await batonJson<AlertJson[]>(['alerts', '--workflow', 'ans_toggle'])
    assert.deepEqual(toggle.map((a) => a.workflow), ['ans_toggle'])
    assert.equal(resolved.runId, toggleFailedRunId)
    assert.equal(resolved.kind, 'task_failed')

    const open = await batonJson<AlertJson[]>(['alerts', '--open'])
    for (const a of open) assert.equal(a.status, 'firing')
    assert.ok(open.some((a) => a.runId === qualityRunId), 'the quality alert is open')
    assert.ok(!open.some((a) => a.workflow === 'ans_toggle'), 'the resolved one is not')

    const quality = await batonJson<AlertJson[]>(['alerts', '--workflow', 'ans_quality'])
    assert.deepEqual(quality.map((a) => a.runId), [qualityRunId])
  })

  test('--since 1h lists both alerts; --since a later date lists none ("no alerts")', async () => {
    const recent = await batonJson<AlertJson[]>(['alerts', '--since', '1h'])
    assert.deepEqual(recent.map((a) => a.workflow).sort(), ['ans_quality', 'ans_toggle'])
    const later = await baton(['alerts', '--since', '2999-01-01'])
    assert.equal(later.code, 0, later.stderr)
    assert.equal(later.stdout, 'no alerts\n')
  })
})

describe('dead letters: what was refused, and why', () => {
  test('a junk message published on run.requested is listed with its subject, payload and a malformed-JSON reason', async () => {
    const msgId = newId()
    await ns.js.publish(ns.subjects.runRequested, new TextEncoder().encode('this is not json {'), { msgID: msgId })
    const letter = await deadLetter(msgId)
    assert.equal(letter.subject, ns.subjects.runRequested)
    assert.equal(letter.payload, 'this is not json {')
    assert.match(letter.reason, /^malformed JSON: /)

    const table = await baton(['dead-letters', '--since', '1h'])
    assert.equal(table.code, 0, table.stderr)
    const cells = rowCells(table.stdout, 'malformed JSON')
    assert.equal(cells[1], ns.subjects.runRequested)
    assert.match(cells[0]!, /^\d{4}-\d{2}-\d{2}T/)
  })

  test('a run request over NATS with an unknown param is dead-lettered with the did-you-mean reason, and no run is created', async () => {
    const id = newId()
    await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow: 'ans_params', idempotencyKey: id, params: { slep: 3 } })
    const letter = await deadLetter(id)
    assert.equal(letter.subject, ns.subjects.runRequested)
    assert.equal(letter.reason, "params.slep: unknown param 'slep' (did you mean 'sleep'?)")
    assert.equal(await ns.db.selectFrom('runs').select('id').where('idempotency_key', '=', id).executeTakeFirst(), undefined)
    const table = await baton(['dead-letters'])
    assert.match(table.stdout, /params\.slep: unknown param 'slep' \(did you mean 'sleep'\?\)/)
  })

  test('a backfill request over NATS with an unknown param is dead-lettered with the did-you-mean reason, and no backfill is created', async () => {
    const id = newId()
    await publishJson(ns.js, ns.subjects.backfillRequested, id, { id, workflow: 'ans_params', from: '2026-01-10', to: '2026-01-11', concurrency: 1, rerun: 'missing', params: { slep: 3 } })
    const letter = await deadLetter(id)
    assert.equal(letter.subject, ns.subjects.backfillRequested)
    assert.equal(letter.reason, "params.slep: unknown param 'slep' (did you mean 'sleep'?)")
    assert.equal(await ns.db.selectFrom('backfills').select('id').where('id', '=', id).executeTakeFirst(), undefined)
  })
})

describe('workflows and status: what is deployed, and how fresh its data is', () => {
  test('workflows --json shows owner, the schedule with its next tick in its timezone, the data gate and the last run', async () => {
    const rows = await batonJson<WorkflowJson[]>(['workflows'])
    assert.deepEqual(rows.map((w) => w.name), ['ans_gate', 'ans_params', 'ans_quality', 'ans_toggle'])
    const by = Object.fromEntries(rows.map((w) => [w.name, w]))
    const quality = by.ans_quality!
    assert.equal(quality.owner, 'answers-team')
    assert.equal(quality.archivedAt, null)
    const next = nextSixParis(new Date())
    assert.deepEqual(quality.schedule, { cron: '0 6 * * *', timezone: 'Europe/Paris', nextFireAt: next.toUTC().toISO(), nextFireLocal: quality.schedule!.nextFireLocal })
    assert.ok(quality.schedule!.nextFireLocal!.startsWith(`${next.toFormat('yyyy-LL-dd')} 06:00 `), `next tick in Paris time: ${quality.schedule!.nextFireLocal}`)
    assert.equal(quality.gate, null)
    assert.deepEqual(quality.lastRun, { ...quality.lastRun!, id: qualityRunId, status: 'failed', partition: QUALITY_PARTITION })
    const gate = by.ans_gate!
    assert.equal(gate.schedule, null)
    assert.deepEqual(gate.gate, { sourcesLanded: ['ans_orders', 'ans_refunds'], partition: 'date', expectBy: null })
    assert.equal(gate.lastRun?.partition, GATE_COMPLETE)
    assert.equal(by.ans_params!.owner, null)
  })

  test('workflows shows the same in its table: owner, cron and timezone with the next run, gate, state, last run', async () => {
    const r = await baton(['workflows'])
    assert.equal(r.code, 0, r.stderr)
    const quality = rowCells(r.stdout, '│ ans_quality ')
    assert.deepEqual(quality.slice(0, 5), ['ans_quality', 'answers-team', '0 6 * * * Europe/Paris', '-', 'active'])
    assert.match(quality[5]!, /^failed 2026-02-01$/)
    const next = nextSixParis(new Date())
    assert.match(r.stdout, new RegExp(`│ next ${next.toFormat('yyyy-LL-dd')} 06:00 [^│]+│`))
    const gate = rowCells(r.stdout, '│ ans_gate ')
    assert.deepEqual(gate.slice(0, 5), ['ans_gate', 'answers-team', '-', 'ans_orders + ans_refunds by date', 'active'])
  })

  test('status shows the quality workflow failed with "check_rows failed" missing, and the gate partial "waiting for ans_refunds" on its newest partition', async () => {
    const rows = await batonJson<FreshnessJson[]>(['status'])
    const by = Object.fromEntries(rows.map((r) => [r.workflow, r]))
    assert.deepEqual({ state: by.ans_quality!.state, latest: by.ans_quality!.latestPartition, missing: by.ans_quality!.missing }, { state: 'failed', latest: QUALITY_PARTITION, missing: ['check_rows failed'] })
    assert.deepEqual({ state: by.ans_gate!.state, latest: by.ans_gate!.latestPartition, missing: by.ans_gate!.missing }, { state: 'partial', latest: GATE_PARTIAL, missing: ['waiting for ans_refunds'] })
    assert.equal(by.ans_toggle!.state, 'complete', 'the latest run of the partition succeeded')

    const text = await baton(['status'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^ans_quality +failed +latest 2026-02-01 \(failed\).* — check_rows failed$/m)
    assert.match(text.stdout, /^ans_gate +partial +latest 2026-02-11 .* — waiting for ans_refunds$/m)
  })
})

describe('params: defaults filled in and unknown names refused on every path that starts a run', () => {
  test('trigger fills the zod defaults into run.params and keeps a given value', async () => {
    const plain = await finishedRun(await triggerId(['ans_params']))
    assert.deepEqual(plain.params, { sleep: 3, label: 'nightly' })
    const given = await finishedRun(await triggerId(['ans_params', '--param', 'sleep=5']))
    assert.deepEqual(given.params, { sleep: 5, label: 'nightly' })
  })

  test('trigger refuses an unknown param with one did-you-mean line', async () => {
    assertOneErrorLine(await baton(['trigger', 'ans_params', '--param', 'slep=3']), /^error: --param slep=3: unknown param 'slep' \(did you mean 'sleep'\?\)$/)
  })

  test('backfill refuses an unknown param with one did-you-mean line, and its runs get the defaults', async () => {
    assertOneErrorLine(
      await baton(['backfill', 'ans_params', '--from', '2026-01-01', '--to', '2026-01-02', '--param', 'slep=3']),
      /^error: --param slep=3: unknown param 'slep' \(did you mean 'sleep'\?\)$/,
    )
    const r = await baton(['backfill', 'ans_params', '--from', '2026-01-01', '--to', '2026-01-02'])
    assert.equal(r.code, 0, r.stderr)
    const backfillId = r.stdout.trim()
    assert.match(backfillId, UUID)
    const runs = await ns.db.selectFrom('runs').select(['id', 'partition', 'params']).where('backfill_id', '=', backfillId).orderBy('partition').execute()
    assert.deepEqual(runs.map((x) => [x.partition, x.params]), [
      ['2026-01-01', { sleep: 3, label: 'nightly' }],
      ['2026-01-02', { sleep: 3, label: 'nightly' }],
    ])
    assert.deepEqual((await batonJson<RunJson>(['run', runs[0]!.id])).params, { sleep: 3, label: 'nightly' })
  })

  test('a run requested over NATS without params gets the defaults', async () => {
    const id = newId()
    await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow: 'ans_params', idempotencyKey: id })
    const runId = await eventually(async () => (await ns.db.selectFrom('runs').select('id').where('idempotency_key', '=', id).executeTakeFirst())?.id, 'the run to be created')
    assert.deepEqual((await finishedRun(runId)).params, { sleep: 3, label: 'nightly' })
  })

  test('a run started by the data landing gets its partition as date and the JSON Schema default of region', async () => {
    const runs = await batonJson<RunSummaryJson[]>(['runs', '--workflow', 'ans_gate'])
    assert.equal(runs.length, 1, 'one run: the partition where both sources landed')
    assert.equal(runs[0]!.trigger, 'readiness')
    assert.equal(runs[0]!.partition, GATE_COMPLETE)
    const run = await finishedRun(runs[0]!.id)
    assert.deepEqual(run.params, { date: GATE_COMPLETE, region: 'eu' })
    assert.equal(run.status, 'succeeded')
  })
})

describe('bad input: one error line naming the value, exit 2', () => {
  const cases: { args: string[]; line: RegExp; title?: string }[] = [
    { args: ['runs', '--since', 'yesterday-ish'], line: /^error: --since: "yesterday-ish" is not a time/ },
    { args: ['runs', '--until', '2026-13-45'], line: /^error: --until: "2026-13-45" is not a time/ },
    { args: ['runs', '--since', '2026-02-30'], line: /^error: --since: "2026-02-30" is not a time/ },
    { args: ['runs', '--workflow', 'nope'], line: /^error: workflow 'nope' not found$/ },
    { args: ['alerts', '--since', 'nope'], line: /^error: --since: "nope" is not a time/ },
    { args: ['dead-letters', '--since', '5 minutes'], line: /^error: --since: "5 minutes" is not a time/ },
    { args: ['run', randomUUID()], line: /^error: run '[0-9a-f-]{36}' not found$/, title: 'baton run <a uuid no run has>' },
    { args: ['run', 'not-a-uuid'], line: /^error: run 'not-a-uuid' not found$/ },
    { args: ['alerts', '--workflow', 'nope'], line: /^error: workflow 'nope' not found$/ },
    { args: ['dead-letters', '--limit', '0'], line: /^error: --limit: .*"0"/ },
    { args: ['validate', '/no/such/file'], line: /^error: \/no\/such\/file: no such file or directory$/ },
    { args: ['undeploy', 'nope'], line: /^error: workflow 'nope' not found$/ },
  ]
  for (const c of cases) {
    test(c.title ?? `baton ${c.args.join(' ')}`, async () => {
      assertOneErrorLine(await baton(c.args), c.line)
    })
  }
})
