import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { newId, publishJson, subjectsFor } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton, startBaton, startCoordinatorProcess, type BatonProcess, stopGracefully } from '../support/processes.js'
import { type CliResult, assertOneErrorLine, STACK, batonJson as batonJsonIn } from '../support/cli-assertions.js'

// Definitions as a user handles them with the `baton` command: a folder of broken files
// (validate and deploy list every problem and deploy nothing), the warnings of a deploy about
// queues and handlers no worker serves, and undeploy/redeploy of a scheduled, data-gated
// workflow with a real coordinator applying the landings.

/** The broken folder as the CLI names its files (relative to the working directory). */
const BROKEN = relative(process.cwd(), fileURLToPath(new URL('./fixtures-broken', import.meta.url)))
/** Every workflow name defined in the broken folder, the valid one included. */
const BROKEN_NAMES = ['broken_typos', 'broken_params_cycle', 'broken_durations', 'broken_unparsable', 'broken_folder_valid']

interface WorkflowJson {
  name: string
  owner: string | null
  archivedAt: string | null
  schedule: { cron: string; timezone: string; nextFireAt: string | null; nextFireLocal: string | null } | null
}
interface DeployJson {
  workflow: string
  changed: boolean
  restored: boolean
  warnings: { path: string; reason: string }[]
}

let ns: TestNamespace
let tmp: string
let coordinator: BatonProcess
const processes: BatonProcess[] = []

function baton(args: string[], env: Record<string, string> = ns.env): Promise<CliResult> {
  return runBaton(args, env)
}

const batonJson = <T>(args: string[]): Promise<T> => batonJsonIn<T>(ns.env, args)

/** The problems of the broken folder: every one of every file, in the CLI's words. */
const EXPECTED_PROBLEMS = [
  `${BROKEN}/durations.ts: tasks.extract.timeout: invalid duration "10 minutes": expected e.g. "500ms", "30s", "10m", "1h30m"`,
  `${BROKEN}/durations.ts: tasks.load.after: task 'load' depends on unknown task 'extrct' (did you mean 'extract'?)`,
  `${BROKEN}/params-cycle.json: params.properties.n.type: must be one of "array", "boolean", "integer", "null", "number", "object", "string"`,
  `${BROKEN}/params-cycle.json: tasks: dependency cycle: a → b → a`,
  `${BROKEN}/typos.yaml: tasks.extract: unknown key 'queeu' (did you mean 'queue'?)`,
  `${BROKEN}/typos.yaml: tasks.load.run: unknown key 'shh' (did you mean 'sh'?)`,
].sort()
/** The file that does not parse: its parser's message follows. */
const UNPARSABLE = new RegExp(`^${BROKEN.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/unparsable\\.json: cannot parse JSON: \\S`)

/** Checks a list of problem lines (without the `error: ` prefix) against the expected set. */
function assertEveryProblem(lines: string[]): void {
  const parse = lines.filter((l) => UNPARSABLE.test(l))
  assert.equal(parse.length, 1, `one line for the file that does not parse, in:\n${lines.join('\n')}`)
  assert.deepEqual(lines.filter((l) => !UNPARSABLE.test(l)).sort(), EXPECTED_PROBLEMS)
}

/** A workflow definition file in the test's temporary folder (JSON), from a small builder. */
async function definitionFile(name: string, def: Record<string, unknown>): Promise<string> {
  const file = join(tmp, `${name}.json`)
  await writeFile(file, JSON.stringify({ name, ...def }, null, 2))
  return file
}

/** The next 06:00 UTC strictly after `t`. */
function nextSixUtc(t: Date): Date {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), 6))
  return d > t ? d : new Date(d.getTime() + 86_400_000)
}

let warnFile: string
let gatedFile: string
let handlersFile: string

before(async () => {
  ns = await createTestNamespace('defs_cli')
  tmp = await mkdtemp(join(tmpdir(), 'baton-defs-e2e-'))
  handlersFile = join(tmp, 'handlers.mjs')
  await writeFile(handlersFile, 'export const handlers = { extract: async () => ({ extracted: true }) }\n')
  // `extract` has a handler in handlers.mjs, `transform` has none, `report` is a shell task.
  warnFile = await definitionFile('defs_warn', {
    tasks: { extract: { queue: 'defs_q' }, transform: { after: ['extract'], queue: 'defs_q' }, report: { after: ['transform'], queue: 'defs_q', run: { sh: 'echo "{}"' } } },
  })
  // Scheduled and data-gated: a tick only arms readiness; the landing of defs_orders starts the run.
  gatedFile = await definitionFile('defs_gated', {
    owner: 'defs-team',
    schedule: { cron: '0 6 * * *', timezone: 'UTC' },
    when: { sourcesLanded: ['defs_orders'], partition: 'date' },
    params: { type: 'object', properties: { date: { type: 'string' } } },
    tasks: { load: { queue: 'defs_q', run: { sh: 'echo "{\\"loaded\\":true}"' } } },
  })
  // Waits for defs_orders too (and for a source that never lands): the landing stays a known
  // source after defs_gated is archived, and this workflow's readiness shows it was applied.
  await definitionFile('defs_witness', {
    when: { sourcesLanded: ['defs_orders', 'defs_never'], partition: 'date' },
    tasks: { t: { queue: 'defs_q', run: { sh: 'echo "{}"' } } },
  })
  coordinator = startCoordinatorProcess(ns.env, processes)
})

after(async () => {
  await Promise.all(processes.map((p) => stopGracefully(p)))
  await rm(tmp, { recursive: true, force: true })
  await ns.close()
  await assertNoLeaks()
})

describe('a folder of broken definitions: every problem listed, nothing deployed', () => {
  test('validate prints one error line per problem of every file (typos with suggestions, params schema, cycle, duration, unknown dependency, parse error) and exits 2', async () => {
    const r = await baton(['validate', BROKEN])
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stdout, '')
    assert.doesNotMatch(r.stderr, STACK)
    const lines = r.stderr.trimEnd().split('\n')
    for (const l of lines) assert.match(l, /^error: /)
    assertEveryProblem(lines.map((l) => l.slice('error: '.length)))
  })

  test('validate --json reports valid: false, the same problems and the valid workflow, and exits 2', async () => {
    const r = await baton(['validate', BROKEN, '--json'])
    assert.equal(r.code, 2, r.stderr)
    const out = JSON.parse(r.stdout) as { valid: boolean; workflows: { workflow: string }[]; problems: { path: string; reason: string }[]; warnings: unknown[] }
    assert.equal(out.valid, false)
    assert.deepEqual(out.workflows.map((w) => w.workflow), ['broken_folder_valid'])
    assert.deepEqual(out.warnings, [])
    assertEveryProblem(out.problems.map((p) => `${p.path}: ${p.reason}`))
  })

  test('deploy of the folder prints the same error lines, exits 2 and deploys none of its workflows, not even the valid one', async () => {
    const r = await baton(['deploy', BROKEN])
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stdout, '')
    assert.doesNotMatch(r.stderr, STACK)
    const lines = r.stderr.trimEnd().split('\n')
    for (const l of lines) assert.match(l, /^error: /)
    assertEveryProblem(lines.map((l) => l.slice('error: '.length)))
    const deployed = (await batonJson<WorkflowJson[]>(['workflows'])).map((w) => w.name)
    for (const name of BROKEN_NAMES) assert.ok(!deployed.includes(name), `${name} must not be deployed (deployed: ${deployed.join(', ')})`)
  })

  test('validate of the valid file alone exits 0 and creates neither a schema nor streams for a namespace never used', async () => {
    const fresh = `t_defs_fresh_${randomBytes(4).toString('hex')}`
    const r = await baton(['validate', join(BROKEN, 'valid.yaml')], { ...ns.env, BATON_NAMESPACE: fresh })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'valid broken_folder_valid (1 tasks, queues: default)\n')
    assert.equal(r.stderr, '')
    const schemas = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${fresh}`.execute(ns.db)
    assert.equal(schemas.rows[0]!.n, 0, `validate created schema ${fresh}`)
    await assert.rejects(ns.jsm.streams.info(subjectsFor(fresh).eventsStream), `validate created stream ${subjectsFor(fresh).eventsStream}`)
  })
})

describe('deploy warnings: deployed anyway, exit 0', () => {
  test("a queue no worker has polled is a warning line naming it; the workflow is deployed and --json lists the warning", async () => {
    const r = await baton(['deploy', warnFile])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^deployed defs_warn \(version [0-9a-f]{12}, 3 tasks, queues: defs_q\)\n$/)
    assert.equal(
      r.stderr,
      "warning: defs_warn: queue 'defs_q': no worker has polled it recently: its tasks will wait in queued until one runs (baton worker --queue defs_q)\n",
    )
    assert.ok((await batonJson<WorkflowJson[]>(['workflows'])).some((w) => w.name === 'defs_warn'), 'deployed despite the warning')

    const [json] = await batonJson<DeployJson[]>(['deploy', warnFile])
    assert.equal(json!.workflow, 'defs_warn')
    assert.equal(json!.changed, false)
    assert.deepEqual(json!.warnings, [
      { path: "defs_warn: queue 'defs_q'", reason: 'no worker has polled it recently: its tasks will wait in queued until one runs (baton worker --queue defs_q)' },
    ])
  })

  test('with a worker polling the queue, the queue warning is gone and the task without run whose handler the worker lacks is named', async () => {
    const worker = startBaton(['worker', '--queue', 'defs_q', '--handlers', handlersFile], ns.env)
    processes.push(worker)
    // The worker announces itself once connected: wait until a deploy sees it.
    const r = await eventually(async () => {
      const d = await baton(['deploy', warnFile])
      return d.code === 0 && !d.stderr.includes("warning: defs_warn: queue 'defs_q'") ? d : undefined
    }, `the worker to answer discovery (worker output: ${worker.output()})`, 30_000)
    assert.equal(r.stdout.split(' ')[0], 'unchanged')
    assert.equal(
      r.stderr,
      "warning: defs_warn: tasks.transform: no 'run', and no worker on queue 'defs_q' has a handler named 'transform' (its workers handle: extract)\n",
    )
    const [json] = await batonJson<DeployJson[]>(['deploy', warnFile])
    assert.deepEqual(json!.warnings, [
      { path: 'defs_warn: tasks.transform', reason: "no 'run', and no worker on queue 'defs_q' has a handler named 'transform' (its workers handle: extract)" },
    ])
  })
})

describe('undeploy and redeploy of a scheduled, data-gated workflow', () => {
  const partition = '2026-03-04'

  test('undeploy archives it: its schedule row is removed, workflows shows it archived, status leaves it out, trigger, backfill and status refuse it with one line', async () => {
    const deployed = await baton(['deploy', gatedFile, join(tmp, 'defs_witness.json')])
    assert.equal(deployed.code, 0, deployed.stderr)
    assert.ok(await ns.db.selectFrom('schedules').select('workflow').where('workflow', '=', 'defs_gated').executeTakeFirst(), 'the schedule is armed before the undeploy')

    const r = await baton(['undeploy', 'defs_gated'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^archived defs_gated: /)
    assert.equal(r.stderr, '')
    assert.equal(await ns.db.selectFrom('schedules').select('workflow').where('workflow', '=', 'defs_gated').executeTakeFirst(), undefined, 'schedule row removed')
    assert.deepEqual(await ns.db.selectFrom('workflow_sources').selectAll().where('workflow', '=', 'defs_gated').execute(), [], 'data gate removed')

    const again = await baton(['undeploy', 'defs_gated'])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, 'defs_gated is already archived\n')

    const listed = (await batonJson<WorkflowJson[]>(['workflows'])).find((w) => w.name === 'defs_gated')
    assert.ok(listed, 'an archived workflow is still listed')
    assert.match(listed.archivedAt ?? '', /^\d{4}-\d{2}-\d{2}T/)
    assert.equal(listed.schedule?.nextFireAt ?? null, null, 'an archived workflow has no next tick')
    const table = await baton(['workflows'])
    assert.equal(table.code, 0, table.stderr)
    const row = table.stdout.split('\n').find((l) => /\bdefs_gated\b/.test(l))
    assert.ok(row, table.stdout)
    assert.match(row, /\barchived\b/)
    assert.match(table.stdout.split('\n').find((l) => /\bdefs_witness\b/.test(l)) ?? '', /\bactive\b/)

    const status = await batonJson<{ workflow: string }[]>(['status'])
    assert.ok(!status.some((s) => s.workflow === 'defs_gated'), `status leaves it out: ${JSON.stringify(status.map((s) => s.workflow))}`)
    assert.ok(status.some((s) => s.workflow === 'defs_witness'))
    assertOneErrorLine(await baton(['status', 'defs_gated']), /defs_gated.*archived/)
    assertOneErrorLine(await baton(['trigger', 'defs_gated', '--partition', partition]), /^error: workflow 'defs_gated' is archived \(baton undeploy\); deploy it again to run it$/)
    assertOneErrorLine(await baton(['backfill', 'defs_gated', '--from', partition, '--to', partition]), /^error: workflow 'defs_gated' is archived \(baton undeploy\); deploy it again to run it$/)
  })

  test('a landing of its source is applied (recorded, fed to the other waiting workflow) and starts no run of the archived workflow', async () => {
    const emitted = await baton(['emit', 'source', 'defs_orders', '--partition', partition])
    assert.equal(emitted.code, 0, emitted.stderr)
    const eventId = emitted.stdout.trim()
    // Applied: the landing, the readiness it feeds and any run it starts commit together.
    await eventually(() => {
      if (coordinator.child.exitCode !== null) throw new Error(`the coordinator exited:\n${coordinator.output()}`)
      return ns.db.selectFrom('source_landings').select('id').where('event_id', '=', eventId).executeTakeFirst()
    }, 'the landing to be applied')
    const witness = await ns.db.selectFrom('readiness').select(['landed', 'status']).where('workflow', '=', 'defs_witness').where('partition', '=', partition).executeTakeFirstOrThrow()
    assert.deepEqual(witness.landed, ['defs_orders'])
    assert.equal(witness.status, 'waiting')
    assert.deepEqual(await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'defs_gated').execute(), [], 'no run of the archived workflow')
    assert.equal(await ns.db.selectFrom('readiness').select('partition').where('workflow', '=', 'defs_gated').executeTakeFirst(), undefined, 'no readiness for it either')
  })

  test('a run request published over NATS for it is dead-lettered with the reason', async () => {
    const id = newId()
    await publishJson(ns.js, ns.subjects.runRequested, id, { id, workflow: 'defs_gated', idempotencyKey: id, partition })
    const letter = await eventually(async () => (await batonJson<{ msgId: string | null; reason: string }[]>(['dead-letters'])).find((d) => d.msgId === id), 'the request to be dead-lettered')
    assert.equal(letter.reason, "workflow 'defs_gated' is archived (baton undeploy); deploy it again to run it")
    assert.deepEqual(await ns.db.selectFrom('runs').select('id').where('workflow', '=', 'defs_gated').execute(), [])
  })

  test('deploy restores it: a "restored" line, the schedule row re-armed for the next tick, and a landing starts its run again', async () => {
    const before = new Date()
    const r = await baton(['deploy', gatedFile])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^restored defs_gated \(version [0-9a-f]{12}, 1 tasks, queues: defs_q\)\n$/)
    const schedule = await ns.db.selectFrom('schedules').select(['cron', 'timezone', 'next_fire_at']).where('workflow', '=', 'defs_gated').executeTakeFirstOrThrow()
    assert.equal(schedule.cron, '0 6 * * *')
    assert.equal(new Date(schedule.next_fire_at).toISOString(), nextSixUtc(before).toISOString())
    const listed = (await batonJson<WorkflowJson[]>(['workflows'])).find((w) => w.name === 'defs_gated')!
    assert.equal(listed.archivedAt, null)
    assert.equal(listed.schedule?.nextFireAt, nextSixUtc(before).toISOString())
    assert.ok((await batonJson<{ workflow: string }[]>(['status'])).some((s) => s.workflow === 'defs_gated'), 'back in status')

    const emitted = await baton(['emit', 'source', 'defs_orders', '--partition', partition])
    assert.equal(emitted.code, 0, emitted.stderr)
    const runs = await eventually(async () => {
      const list = await batonJson<{ id: string; status: string; trigger: string; partition: string }[]>(['runs', '--workflow', 'defs_gated'])
      return list.length > 0 && ['succeeded', 'failed', 'cancelled'].includes(list[0]!.status) ? list : undefined
    }, 'the run of defs_gated to finish', 60_000)
    assert.equal(runs.length, 1)
    assert.equal(runs[0]!.trigger, 'readiness')
    assert.equal(runs[0]!.partition, partition)
    assert.equal(runs[0]!.status, 'succeeded')
  })
})
