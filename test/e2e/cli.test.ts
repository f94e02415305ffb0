import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton, startBaton, type BatonProcess } from '../support/processes.js'
import { waitForRun } from '../support/runs.js'
import { type CliResult, assertOneErrorLine, UUID, STACK, batonJson as batonJsonIn, triggerId as triggerIdIn } from '../support/cli-assertions.js'

// The `baton` command as a user drives it: one namespace, fixtures deployed from
// test/e2e/fixtures/ (TS, JSON, YAML), then one `baton dev` process running a coordinator and
// stock workers (with the fixtures' TS handlers) for every deployed queue.

const FIXTURES = 'test/e2e/fixtures/'
const INVALID = 'test/e2e/fixtures-invalid'
/** The status words of the public contract, exactly. */
const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled']
const TASK_STATUSES = ['pending', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'upstream_failed', 'cancelled']

interface RunJson {
  id: string
  workflow: string
  status: string
  partition: string | null
  params: Record<string, unknown>
  tasks: { id: string; status: string; attempts: number; output: unknown; error: { message?: string } | null }[]
}

let ns: TestNamespace
let dev: BatonProcess
let firstDeploy: CliResult
let tmp: string

function baton(args: string[], env: Record<string, string> = ns.env): Promise<CliResult> {
  return runBaton(args, env)
}

const batonJson = <T>(args: string[]): Promise<T> => batonJsonIn<T>(ns.env, args)
const triggerId = (args: string[]): Promise<string> => triggerIdIn(ns.env, args)

function task(run: RunJson, id: string): RunJson['tasks'][number] {
  const t = run.tasks.find((x) => x.id === id)
  assert.ok(t, `task ${id} in ${JSON.stringify(run.tasks.map((x) => x.id))}`)
  return t
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

before(async () => {
  ns = await createTestNamespace('cli')
  tmp = await mkdtemp(join(tmpdir(), 'baton-cli-e2e-'))
  // dev finds queues at start-up, so the fixtures are deployed first.
  firstDeploy = await baton(['deploy', FIXTURES])
  dev = startBaton(['dev', '--handlers', `${FIXTURES}handlers.ts`], ns.env)
  await eventually(() => dev.output().includes('baton dev: coordinator and workers') || dev.child.exitCode !== null, 'baton dev to start', 60_000)
  assert.equal(dev.child.exitCode, null, `baton dev exited early:\n${dev.output()}`)
})

after(async () => {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r('no exit within 60s'), 60_000)))
  const stopped = dev ? await Promise.race([dev.kill('SIGTERM').then(() => dev.exited), deadline]) : 0
  clearTimeout(timer)
  if (typeof stopped === 'string') await dev.kill('SIGKILL')
  // A sleeper left behind by a failed cancel test is ours to stop.
  const pid = Number.parseInt(await readFile(join(tmp, 'nap.pid'), 'utf8').catch(() => ''), 10)
  if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL')
  await rm(tmp, { recursive: true, force: true })
  await ns.close()
  assert.equal(stopped, 0, `baton dev did not shut down gracefully (${String(stopped)}):\n${dev?.output()}`)
  await assertNoLeaks()
})

describe('baton deploy', () => {
  test('a folder of TS, JSON and YAML workflows deploys one line per workflow, then reports unchanged', async () => {
    assert.equal(firstDeploy.code, 0, firstDeploy.stderr)
    const lines = firstDeploy.stdout.trimEnd().split('\n').sort()
    assert.equal(lines.length, 4, firstDeploy.stdout)
    assert.match(lines[0]!, /^deployed cli_failing \(version [0-9a-f]{12}, 3 tasks, queues: default\)$/)
    assert.match(lines[1]!, /^deployed cli_revenue \(version [0-9a-f]{12}, 2 tasks, queues: cli_ts, default\)$/)
    assert.match(lines[2]!, /^deployed cli_sh_env \(version [0-9a-f]{12}, 2 tasks, queues: default\)$/)
    assert.match(lines[3]!, /^deployed cli_sleeper \(version [0-9a-f]{12}, 1 tasks, queues: default\)$/)

    const again = await baton(['deploy', FIXTURES])
    assert.equal(again.code, 0, again.stderr)
    const unchanged = again.stdout.trimEnd().split('\n')
    assert.equal(unchanged.length, 4)
    for (const line of unchanged) assert.match(line, /^unchanged cli_\w+ \(version [0-9a-f]{12}, /)
  })

  test('--json lists each workflow with its version hash, task count and queues', async () => {
    const out = await batonJson<{ workflow: string; changed: boolean; restored: boolean; hash: string; tasks: number; queues: string[]; warnings: unknown[] }[]>(['deploy', FIXTURES])
    const byName = Object.fromEntries(out.map((w) => [w.workflow, w]))
    assert.deepEqual(Object.keys(byName).sort(), ['cli_failing', 'cli_revenue', 'cli_sh_env', 'cli_sleeper'])
    // Workers of `baton dev` run every queue with the fixtures' handlers: nothing to warn about.
    assert.deepEqual(byName.cli_revenue, { workflow: 'cli_revenue', changed: false, restored: false, hash: byName.cli_revenue!.hash, tasks: 2, queues: ['cli_ts', 'default'], warnings: [] })
    for (const w of out) assert.match(w.hash, /^[0-9a-f]{64}$/)
    const line = firstDeploy.stdout.split('\n').find((l) => l.includes(' cli_revenue '))!
    assert.ok(line.includes(byName.cli_revenue!.hash.slice(0, 12)), 'the text output shows the same version')
  })
})

describe('invalid definitions: exit 2, one error line per problem naming file and field', () => {
  const cases: { file: string; lines: RegExp[] }[] = [
    { file: 'cycle.json', lines: [/cycle\.json: tasks: dependency cycle: a → b → c → a$/] },
    { file: 'unknown-dependency.yaml', lines: [/unknown-dependency\.yaml: tasks\.load\.after: .*'load'.*'extrct'/] },
    {
      file: 'bad-durations.json',
      lines: [/bad-durations\.json: tasks\.slow\.timeout: .*"10 minutes"/, /bad-durations\.json: tasks\.flaky\.retry\.backoff: .*"soon"/],
    },
    { file: 'malformed.yaml', lines: [/malformed\.yaml: cannot parse YAML: .*line 4/] },
    { file: 'unknown-trigger.yaml', lines: [/unknown-trigger\.yaml: tasks\.b\.trigger: .*one_failed/] },
  ]
  for (const c of cases) {
    test(c.file, async () => {
      const r = await baton(['deploy', join(INVALID, c.file)])
      assert.equal(r.code, 2, r.stderr)
      assert.equal(r.stdout, '')
      assert.doesNotMatch(r.stderr, STACK)
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, c.lines.length, r.stderr)
      lines.forEach((line, i) => {
        assert.match(line, /^error: /)
        assert.match(line, c.lines[i]!)
      })
    })
  }
})

describe('baton trigger --wait', () => {
  test('a succeeding workflow exits 0 and prints the final table', async () => {
    const r = await baton(['trigger', 'cli_revenue', '--param', 'date=2026-06-01', '--wait'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^run {8}[0-9a-f-]{36}$/m)
    assert.match(r.stdout, /^workflow {3}cli_revenue$/m)
    assert.match(r.stdout, /^status {5}succeeded$/m)
    for (const id of ['extract', 'load']) assert.match(r.stdout, new RegExp(`\\b${id}\\b.*\\bsucceeded\\b`), `row of ${id}`)
    assert.match(r.stderr, /^run [0-9a-f-]{36} of cli_revenue$/m, 'progress goes to stderr')
  })

  test('--json prints the finished run with the contract status words', async () => {
    const r = await baton(['trigger', 'cli_revenue', '--partition', '2026-06-02', '--param', 'date=2026-06-02', '--wait', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const run = JSON.parse(r.stdout) as RunJson
    assert.match(run.id, UUID)
    assert.equal(run.workflow, 'cli_revenue')
    assert.equal(run.status, 'succeeded')
    assert.equal(run.partition, '2026-06-02')
    assert.deepEqual(run.params, { date: '2026-06-02' })
    assert.deepEqual(run.tasks.map((t) => t.id), ['extract', 'load'])
    for (const t of run.tasks) {
      for (const k of ['id', 'status', 'attempts', 'output', 'error']) assert.ok(k in t, `task field ${k}`)
      assert.ok(TASK_STATUSES.includes(t.status), t.status)
      assert.equal(t.status, 'succeeded')
      assert.equal(t.attempts, 1)
      assert.equal(t.error, null)
    }
    assert.ok(RUN_STATUSES.includes(run.status))
    assert.deepEqual(task(run, 'extract').output, { rows: 3, date: '2026-06-02', partition: '2026-06-02' })
    assert.deepEqual(task(run, 'load').output, { loaded: true })
  })

  test('a failing sh task exhausts its retries: exit 1, downstream upstream_failed, one_failed notifier runs', async () => {
    const r = await baton(['trigger', 'cli_failing', '--wait', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const run = JSON.parse(r.stdout) as RunJson
    assert.equal(run.status, 'failed')
    const broken = task(run, 'broken')
    assert.equal(broken.status, 'failed')
    assert.equal(broken.attempts, 2)
    assert.match(broken.error?.message ?? '', /exited with code 3/)
    assert.match(broken.error?.message ?? '', /boom/, 'stderr tail in the message')
    assert.equal(task(run, 'after_broken').status, 'upstream_failed')
    assert.equal(task(run, 'notify').status, 'succeeded')
    assert.deepEqual(task(run, 'notify').output, { notified: true })

    const human = await baton(['run', run.id])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /\bbroken\b.*\bfailed\b.*error: shell command exited with code 3/)
  })
})

describe('trigger, run and runs', () => {
  test('trigger without --wait prints only the run id, which run --json shows', async () => {
    const id = await triggerId(['cli_sh_env'])
    const run = await batonJson<RunJson>(['run', id])
    assert.equal(run.id, id)
    assert.equal(run.workflow, 'cli_sh_env')
    assert.ok(RUN_STATUSES.includes(run.status), run.status)
    await waitForRun(ns, id)
  })

  test('the same --key twice is one run: the same id is printed twice', async () => {
    const key = `e2e-${randomUUID()}`
    const first = await triggerId(['cli_sh_env', '--key', key])
    const second = await triggerId(['cli_sh_env', '--key', key])
    assert.equal(second, first)
    await waitForRun(ns, first)
  })

  test('--partition is shown by run --json and runs --json; runs --workflow lists only that workflow', async () => {
    const id = await triggerId(['cli_sh_env', '--partition', '2026-06-01'])
    const other = await triggerId(['cli_revenue', '--param', 'date=2026-06-01'])
    await Promise.all([waitForRun(ns, id), waitForRun(ns, other)])
    assert.equal((await batonJson<RunJson>(['run', id])).partition, '2026-06-01')

    const byPartition = await batonJson<{ id: string; partition: string | null }[]>(['runs', '--partition', '2026-06-01'])
    assert.ok(byPartition.some((r) => r.id === id))
    for (const r of byPartition) assert.equal(r.partition, '2026-06-01')

    const shEnv = await batonJson<{ id: string; workflow: string; status: string }[]>(['runs', '--workflow', 'cli_sh_env'])
    assert.ok(shEnv.some((r) => r.id === id))
    assert.ok(!shEnv.some((r) => r.id === other))
    for (const r of shEnv) {
      assert.equal(r.workflow, 'cli_sh_env')
      assert.ok(RUN_STATUSES.includes(r.status), r.status)
    }
  })

  test('sh tasks see BATON_PARTITION, BATON_PARAM_* and upstream outputs in BATON_INPUTS', async () => {
    const id = await triggerId(['cli_sh_env', '--partition', '2026-06-03', '--param', 'x=hello world'])
    await waitForRun(ns, id)
    const run = await batonJson<RunJson>(['run', id])
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(task(run, 'produce').output, { rows: 7 })
    assert.deepEqual(task(run, 'report').output, { p: '2026-06-03', x: 'hello world', inputs: { produce: { rows: 7 } } })
  })

  test('params are validated against the schema: a missing required param exits 2 naming params.date', async () => {
    const missing = await baton(['trigger', 'cli_revenue'])
    assertOneErrorLine(missing, /params\.date/)

    const id = await triggerId(['cli_revenue', '--param', 'date=2026-06-01'])
    const run = await waitForRun(ns, id)
    assert.equal(run.status, 'succeeded')
    assert.deepEqual((await batonJson<RunJson>(['run', id])).params, { date: '2026-06-01' })
  })
})

describe('baton cancel', () => {
  test('cancelling a run stops its running sh task and the process behind it', async () => {
    const pidFile = join(tmp, 'nap.pid')
    const id = await triggerId(['cli_sleeper', '--param', `pidfile=${pidFile}`])
    await eventually(async () => (await batonJson<RunJson>(['run', id])).tasks[0]?.status === 'running', 'the nap task to run', 60_000)
    const pid = await eventually(async () => Number.parseInt(await readFile(pidFile, 'utf8'), 10) || undefined, 'the pid file', 30_000)
    assert.ok(isAlive(pid), 'the sleeper runs before the cancel')

    const r = await baton(['cancel', id])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, `run ${id} cancelled\n`)

    const run = await batonJson<RunJson>(['run', id])
    assert.equal(run.status, 'cancelled')
    assert.equal(task(run, 'nap').status, 'cancelled')
    await eventually(() => !isAlive(pid), `process ${pid} to be gone`, 15_000)

    const again = await baton(['cancel', id])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, `run ${id} is already cancelled\n`)
  })
})

describe('errors are one clear line', () => {
  test('an unknown run id exits 2', async () => {
    assertOneErrorLine(await baton(['run', 'not-a-uuid']), /^error: run 'not-a-uuid' not found$/)
    assertOneErrorLine(await baton(['run', randomUUID(), '--json']), /^error: run '[0-9a-f-]{36}' not found$/)
  })

  test('an unknown workflow exits 2 naming it', async () => {
    assertOneErrorLine(await baton(['trigger', 'no_such_workflow']), /no_such_workflow/)
  })

  test('an unknown command exits 2', async () => {
    const r = await baton(['frobnicate'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error: unknown command 'frobnicate'$/m)
    assert.doesNotMatch(r.stderr, STACK)
  })

  test('a bad BATON_NAMESPACE exits 2 naming the variable', async () => {
    assertOneErrorLine(await baton(['runs'], { ...ns.env, BATON_NAMESPACE: 'Bad-Name' }), /BATON_NAMESPACE/)
  })

  test('an unreachable NATS fails trigger with one line', async () => {
    const r = await baton(['trigger', 'cli_sh_env'], { ...ns.env, BATON_NATS_URL: 'nats://127.0.0.1:1' })
    assert.notEqual(r.code, 0)
    assertOneErrorLine(r, /NATS.*nats:\/\/127\.0\.0\.1:1/, r.code)
  })
})
