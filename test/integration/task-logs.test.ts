import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startCoordinator, type Coordinator } from '@baton/coordinator'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton, startBaton, type BatonProcess } from '../support/processes.js'
import { deploy, trigger, waitForRun } from '../support/runs.js'

// Task logs (ctx.log and shell output) captured per attempt into <NS>_LOGS and printed by
// `baton logs`, with workers as child processes so one can be killed mid-task.

const HANDLERS = new URL('./fixtures/task-log-handlers.ts', import.meta.url).pathname
const CLOCK = String.raw`\d\d:\d\d:\d\d\.\d{3}`

let ns: TestNamespace
let coordinator: Coordinator
let tmp: string
const procs: BatonProcess[] = []

before(async () => {
  ns = await createTestNamespace('task-logs')
  coordinator = await startCoordinator({ config: ns.config, timerIntervalMs: 50 })
  tmp = await mkdtemp(join(tmpdir(), 'baton-task-logs-'))
})
after(async () => {
  for (const p of procs) await p.kill()
  await coordinator?.stop()
  await ns?.close()
  if (tmp) await rm(tmp, { recursive: true, force: true })
  await assertNoLeaks()
})

/** A `baton worker` child process for `queue`, killed after the file. */
function worker(queue: string, env: Record<string, string> = {}): BatonProcess {
  const p = startBaton(['worker', '--queue', queue, '--handlers', HANDLERS], { ...ns.env, ...env })
  procs.push(p)
  return p
}

let sharedWorker: BatonProcess | undefined
/** The worker of queue `logs`, shared by the tests that use it. */
function logsQueueWorker(): BatonProcess {
  sharedWorker ??= worker('logs')
  return sharedWorker
}

/** `baton logs ARGS…` in the test namespace. */
function logs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runBaton(['logs', ...args], ns.env)
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter(Boolean)
}

describe('baton logs', { timeout: 120_000 }, () => {
  test('prints ctx.log lines and shell stdout/stderr in order, each with its task, attempt and stream', async () => {
    await deploy(ns, {
      name: 'logged',
      tasks: {
        chatty: { queue: 'logs' },
        shout: { queue: 'logs', after: ['chatty'], run: { sh: 'echo "out 1"; sleep 0.3; echo "err 1" >&2; sleep 0.3; echo "out 2"' } },
      },
    })
    const w = logsQueueWorker()
    const runId = await trigger(ns, 'logged')
    assert.equal((await waitForRun(ns, runId, 60_000)).status, 'succeeded')

    const r = await logs(runId)
    assert.equal(r.code, 0, r.stderr)
    const expected = [
      'chatty#1 [log] ts line 1',
      'chatty#1 [log] WARN ts line 2 {"rows":3}',
      'chatty#1 [log] ts line 3',
      'shout#1 [stdout] out 1',
      'shout#1 [stderr] err 1',
      'shout#1 [stdout] out 2',
    ]
    const got = lines(r.stdout)
    assert.equal(got.length, expected.length, r.stdout)
    got.forEach((line, i) => assert.match(line, new RegExp(`^${CLOCK} ${expected[i]!.replace(/[[\]{}]/g, '\\$&')}$`)))

    const json = lines((await logs(runId, 'chatty', '--json')).stdout).map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.deepEqual(
      json.map((j) => [j.runId, j.taskId, j.attempt, j.stream, j.level, j.msg]),
      [
        [runId, 'chatty', 1, 'log', 'info', 'ts line 1'],
        [runId, 'chatty', 1, 'log', 'warn', 'ts line 2'],
        [runId, 'chatty', 1, 'log', 'info', 'ts line 3'],
      ],
    )
    assert.equal(json[1]!.rows, 3)
    assert.ok(!Number.isNaN(Date.parse(String(json[0]!.ts))))

    // ctx.log also reaches the worker's own JSON log (at warn here), bound to the attempt's ids.
    const processLine = await eventually(
      () => w.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'ts line 2' && l.runId === runId),
      'ctx.log line in the worker process log',
    )
    assert.equal(processLine.taskId, 'chatty')
    assert.equal(processLine.attempt, 1)
    assert.equal(processLine.traceId, runId.replace(/-/g, ''))
    assert.equal(processLine.rows, 3)
  })

  test("returns a task's output across a worker restart: both attempts, or one with --attempt", async () => {
    await deploy(ns, {
      name: 'crash',
      tasks: { crashy: { queue: 'crashq', timeout: { heartbeat: '2s' }, retry: { attempts: 2, backoff: '100ms', jitter: false } } },
    })
    const first = worker('crashq')
    const runId = await trigger(ns, 'crash')
    // The first attempt's line is stored before its worker dies.
    await eventually(async () => (await logs(runId, 'crashy')).stdout.includes('crashy#1 [log] attempt 1 starting'), 'attempt 1 log line stored', 60_000)
    await first.kill('SIGKILL')
    worker('crashq')
    const run = await waitForRun(ns, runId, 60_000)
    assert.equal(run.status, 'succeeded')
    assert.equal(run.tasks[0]!.attempts, 2)

    const all = await logs(runId, 'crashy')
    assert.equal(all.code, 0, all.stderr)
    assert.deepEqual(
      lines(all.stdout).map((l) => l.replace(new RegExp(`^${CLOCK} `), '')),
      ['crashy#1 [log] attempt 1 starting', 'crashy#2 [log] attempt 2 starting', 'crashy#2 [log] attempt 2 done'],
    )
    const firstOnly = await logs(runId, 'crashy', '--attempt', '1')
    assert.equal(firstOnly.code, 0, firstOnly.stderr)
    assert.deepEqual(
      lines(firstOnly.stdout).map((l) => l.replace(new RegExp(`^${CLOCK} `), '')),
      ['crashy#1 [log] attempt 1 starting'],
    )
  })

  test('an attempt over BATON_TASK_LOG_MAX_BYTES keeps its first lines, then one truncation marker', async () => {
    await deploy(ns, { name: 'capped', tasks: { flood: { queue: 'capped', run: { sh: 'for i in $(seq 1 500); do echo "line $i"; done' } } } })
    worker('capped', { BATON_TASK_LOG_MAX_BYTES: '2048' })
    const runId = await trigger(ns, 'capped')
    assert.equal((await waitForRun(ns, runId, 60_000)).status, 'succeeded')

    const json = lines((await logs(runId, '--json')).stdout).map((l) => JSON.parse(l) as { ts: string; msg: string; stream: string; level: string })
    const kept = json.slice(0, -1)
    const last = json.at(-1)!
    assert.deepEqual(
      kept.map((j) => [j.stream, j.msg]),
      kept.map((_, i) => ['stdout', `line ${i + 1}`]),
      'the first lines, in order, none after the cap',
    )
    // The cap counts each record as the worker wrote it ({ ts, level, stream, msg } as JSON): the
    // kept lines are exactly those that fit in 2048 bytes — the next one would not have.
    const recordBytes = (j: { ts: string; level: string; stream: string; msg: string }): number => Buffer.byteLength(JSON.stringify({ ts: j.ts, level: j.level, stream: j.stream, msg: j.msg }))
    const keptBytes = kept.reduce((n, j) => n + recordBytes(j), 0)
    assert.ok(keptBytes <= 2048, `kept ${keptBytes} bytes`)
    assert.ok(keptBytes + recordBytes({ ...kept[0]!, msg: `line ${kept.length + 1}` }) > 2048, `line ${kept.length + 1} would have fitted too (${keptBytes} bytes kept)`)
    assert.equal(last.msg, `log truncated after ${keptBytes} bytes`)
    assert.equal(last.level, 'warn')
    assert.equal(json.filter((j) => j.msg.startsWith('log truncated')).length, 1)
  })

  test('--follow prints the lines of a running task as they come and exits 0 once the run has finished', async () => {
    await deploy(ns, { name: 'followed', tasks: { waiter: { queue: 'logs' } } })
    logsQueueWorker()
    const release = join(tmp, 'release')
    const runId = await trigger(ns, 'followed', { params: { release } })
    const follow = startBaton(['logs', runId, '--follow'], ns.env)
    procs.push(follow)
    await eventually(() => follow.output().includes('waiter#1 [log] waiting for the release file'), 'the running task line to be printed', 60_000)
    assert.equal(follow.child.exitCode, null, 'still following while the task runs')
    assert.ok(!follow.output().includes('released'))

    await writeFile(release, '')
    assert.equal(await follow.exited, 0, follow.output())
    assert.match(follow.output(), new RegExp(`${CLOCK} waiter#1 \\[log\\] released\\n`))
    assert.equal((await waitForRun(ns, runId)).status, 'succeeded')
  })

  test('an unknown run is one error line and exit code 2', async () => {
    const missing = await logs('0197a3c2-5b1e-7c3a-9f4e-2d8b6a1c0e55')
    assert.equal(missing.code, 2)
    assert.equal(missing.stdout, '')
    assert.match(missing.stderr, /^error: run '0197a3c2-5b1e-7c3a-9f4e-2d8b6a1c0e55' not found\n$/)
    const garbage = await logs('not-a-run')
    assert.equal(garbage.code, 2)
    assert.match(garbage.stderr, /^error: .*not found\n$/)
  })
})
