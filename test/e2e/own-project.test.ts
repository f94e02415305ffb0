import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { exitWithOutput, spawnTracked } from '../support/processes.js'

// Baton in a project of one's own, as a user sets it up: the packed tarballs (`make pack`) of
// @baton/sdk and @baton/cli installed with npm into an empty ESM project outside this
// repository, a TypeScript workflow with TS handlers run by `baton worker`, a plain-JavaScript
// workflow with a standalone worker service (`node worker.mjs`, startWorker from @baton/sdk),
// all driven by the project's own `node_modules/.bin/baton`.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const SDK_TARBALL = join(REPO, 'dist/packages/baton-sdk-0.1.0.tgz')
const CLI_TARBALL = join(REPO, 'dist/packages/baton-cli-0.1.0.tgz')
/** npm downloads from the registry. */
const NPM_TIMEOUT_MS = 180_000
const STOP_TIMEOUT_MS = 30_000

/** The user's project, file by file. */
const PROJECT_FILES: Record<string, string> = {
  'workflows/ts_flow.ts': `import { workflow, task } from '@baton/sdk'
import { z } from 'zod'

export const tsFlow = workflow({
  name: 'ts_flow',
  params: z.object({ who: z.string().default('world'), loud: z.boolean().optional() }),
  tasks: {
    greet: task({ queue: 'ts_q' }),
    report: task({ after: ['greet'], run: { sh: \`echo reporting; echo '{"who":"'"$BATON_PARAM_WHO"'","inputs":'"$BATON_INPUTS"'}'\` } }),
  },
})
`,
  'workflows/ts_refusal.ts': `import { workflow, task } from '@baton/sdk'

export const tsRefusal = workflow({
  name: 'ts_refusal',
  tasks: {
    refuse: task({ queue: 'ts_q', retry: { attempts: 3, backoff: '100ms' } }),
  },
})
`,
  'handlers.ts': `import type { TaskContext } from '@baton/sdk'
import { NonRetryableError } from '@baton/sdk'

export const handlers = {
  async greet(ctx: TaskContext) {
    return { greeting: \`hello \${String(ctx.params.who)}\` }
  },
  async refuse(_ctx: TaskContext): Promise<never> {
    throw new NonRetryableError('the input can never be valid')
  },
}
`,
  'workflows/js_flow.mjs': `import { workflow, task } from '@baton/sdk'
import { z } from 'zod'

export const jsFlow = workflow({
  name: 'js_flow',
  params: z.object({ n: z.number().int() }),
  tasks: {
    double: task({ queue: 'js_q' }),
  },
})
`,
  'worker.mjs': `import { startWorker } from '@baton/sdk'

const w = await startWorker({
  queue: 'js_q',
  concurrency: 2,
  handlers: {
    async double(ctx) {
      return { doubled: ctx.params.n * 2 }
    },
  },
})
console.log('worker.mjs: started')
process.once('SIGTERM', async () => {
  await w.stop()
  console.log('worker.mjs: stopped')
})
`,
}

interface Result {
  code: number | string
  stdout: string
  stderr: string
}

interface RunJson {
  id: string
  workflow: string
  status: string
  params: Record<string, unknown>
  tasks: { id: string; status: string; attempts: number; output: unknown; error: { message?: string; kind?: string } | null }[]
}

/** A long-running process of the project, its output captured for diagnostics. */
interface Service {
  readonly name: string
  readonly child: ChildProcess
  output(): string
  /** The exit code, or the signal's name. */
  readonly exited: Promise<number | string>
}

let ns: TestNamespace
let project: string
let installed: Result
const services: Service[] = []

/** Runs a command to completion; a command still running after `timeoutMs` is SIGKILLed. */
function exec(command: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  const child = spawnTracked(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs, killSignal: 'SIGKILL' })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }))
  })
}

/** `npm ARGS…` in the project. */
async function npm(args: readonly string[]): Promise<Result> {
  const r = await exec('npm', args, { cwd: project, timeoutMs: NPM_TIMEOUT_MS })
  assert.equal(r.code, 0, `npm ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`)
  return r
}

/** The project's own `baton` command, in the test namespace. */
function baton(args: readonly string[]): Promise<Result> {
  return exec(join(project, 'node_modules/.bin/baton'), args, { cwd: project, env: ns.env, timeoutMs: 120_000 })
}

/** `baton trigger … --wait --json`: the exit code and the finished run. */
async function triggerAndWait(args: readonly string[]): Promise<{ code: number | string; run: RunJson }> {
  const r = await baton(['trigger', ...args, '--wait', '--json'])
  assert.ok(r.stdout.trim().startsWith('{'), `baton trigger ${args.join(' ')} printed no run (${r.code}):\n${r.stdout}\n${r.stderr}`)
  return { code: r.code, run: JSON.parse(r.stdout) as RunJson }
}

function taskOf(run: RunJson, id: string): RunJson['tasks'][number] {
  const t = run.tasks.find((x) => x.id === id)
  assert.ok(t, `task ${id} in ${JSON.stringify(run.tasks.map((x) => x.id))}`)
  return t
}

/** Starts a service of the project in the test namespace (info logs: they say when it is ready). */
function startService(name: string, command: string, args: readonly string[]): Service {
  const child = spawnTracked(command, args, { cwd: project, env: { ...ns.env, BATON_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], label: name })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = exitWithOutput(child)
  const service = { name, child, output: () => out, exited }
  services.push(service)
  return service
}

/** Waits until `text` appears `times` times in the service's output; fails if it exits first. */
async function waitForOutput(s: Service, text: string, times = 1): Promise<void> {
  await eventually(() => s.output().split(text).length > times || s.child.exitCode !== null || s.child.signalCode !== null, `${s.name} to print "${text}"`, 60_000)
  assert.ok(s.output().split(text).length > times, `${s.name} exited before "${text}" (${String(s.child.exitCode ?? s.child.signalCode)}):\n${s.output()}`)
}

/** SIGTERM, then the exit code (or signal name), or 'timeout' if it has not exited in time. */
async function terminate(s: Service): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), STOP_TIMEOUT_MS)))
  s.child.kill('SIGTERM')
  const result = await Promise.race([s.exited, deadline])
  clearTimeout(timer)
  return result
}

before(async () => {
  for (const built of ['services/cli/dist/bundle/baton.js', 'services/sdk/dist/index.js']) {
    assert.ok(existsSync(join(REPO, built)), `${built} is missing: run \`make build\` before this test`)
  }
  const packed = await exec(process.execPath, ['scripts/pack.mjs'], { cwd: REPO, timeoutMs: NPM_TIMEOUT_MS })
  assert.equal(packed.code, 0, `node scripts/pack.mjs failed:\n${packed.stdout}\n${packed.stderr}`)

  project = await mkdtemp(join(tmpdir(), 'baton-own-project-'))
  await npm(['init', '-y'])
  await npm(['pkg', 'set', 'type=module'])
  installed = await npm(['install', '--no-audit', '--no-fund', SDK_TARBALL, CLI_TARBALL, 'zod@^4'])
  for (const [file, text] of Object.entries(PROJECT_FILES)) {
    await mkdir(dirname(join(project, file)), { recursive: true })
    await writeFile(join(project, file), text)
  }
  ns = await createTestNamespace('own-project')
})

after(async () => {
  for (const s of services) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
    await s.exited
  }
  await ns?.close()
  if (project) await rm(project, { recursive: true, force: true })
  await assertNoLeaks()
})

describe('installing the packed tarballs into a new ESM project', () => {
  test('node_modules/@baton holds exactly cli and sdk', async () => {
    assert.equal(installed.code, 0)
    assert.deepEqual((await readdir(join(project, 'node_modules/@baton'))).sort(), ['cli', 'sdk'])
  })
})

describe("the project's baton command", () => {
  test('baton validate workflows/ exits 0 and names each workflow (TS and plain ESM JavaScript)', async () => {
    const r = await baton(['validate', 'workflows/'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.trimEnd().split('\n').sort(), [
      'valid js_flow (1 tasks, queues: js_q)',
      'valid ts_flow (2 tasks, queues: default, ts_q)',
      'valid ts_refusal (1 tasks, queues: ts_q)',
    ])
  })

  test('baton deploy workflows/ exits 0 and deploys each workflow', async () => {
    const r = await baton(['deploy', 'workflows/'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n').sort()
    assert.equal(lines.length, 3, r.stdout)
    assert.match(lines[0]!, /^deployed js_flow \(version [0-9a-f]{12}, 1 tasks, queues: js_q\)$/)
    assert.match(lines[1]!, /^deployed ts_flow \(version [0-9a-f]{12}, 2 tasks, queues: default, ts_q\)$/)
    assert.match(lines[2]!, /^deployed ts_refusal \(version [0-9a-f]{12}, 1 tasks, queues: ts_q\)$/)
  })
})

describe('running the workflows with the coordinator, baton worker and node worker.mjs', () => {
  let coordinator: Service
  let batonWorker: Service
  let jsWorker: Service

  before(async () => {
    const bin = join(project, 'node_modules/.bin/baton')
    coordinator = startService('baton coordinator', bin, ['coordinator'])
    batonWorker = startService('baton worker', bin, ['worker', '--queue', 'ts_q', '--queue', 'default', '--handlers', 'handlers.ts'])
    jsWorker = startService('node worker.mjs', process.execPath, ['worker.mjs'])
    await waitForOutput(coordinator, '"msg":"coordinator started"')
    await waitForOutput(batonWorker, '"msg":"worker started"', 2)
    await waitForOutput(jsWorker, 'worker.mjs: started')
  })

  test('ts_flow succeeds: the TS handler got the defaulted param, the sh task its output', async () => {
    const { code, run } = await triggerAndWait(['ts_flow'])
    assert.equal(code, 0, JSON.stringify(run))
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(run.params, { who: 'world' })
    assert.deepEqual(taskOf(run, 'greet').output, { greeting: 'hello world' })
    assert.deepEqual(taskOf(run, 'report').output, { who: 'world', inputs: { greet: { greeting: 'hello world' } } })
  })

  test('js_flow succeeds: the plain-JavaScript worker service ran its task with the given param', async () => {
    const { code, run } = await triggerAndWait(['js_flow', '--param', 'n=21'])
    assert.equal(code, 0, JSON.stringify(run))
    assert.equal(run.status, 'succeeded')
    assert.deepEqual(run.params, { n: 21 })
    assert.deepEqual(taskOf(run, 'double').output, { doubled: 42 })
  })

  test("a NonRetryableError from the project's @baton/sdk fails its task after 1 of 3 attempts", async () => {
    const { code, run } = await triggerAndWait(['ts_refusal'])
    assert.equal(code, 1)
    assert.equal(run.status, 'failed')
    const refuse = taskOf(run, 'refuse')
    assert.equal(refuse.status, 'failed')
    assert.equal(refuse.attempts, 1)
    assert.match(refuse.error?.message ?? '', /the input can never be valid/)
  })

  test('SIGTERM stops the coordinator and both workers gracefully: exit 0', async () => {
    const codes = await Promise.all([coordinator, batonWorker, jsWorker].map(terminate))
    assert.deepEqual(codes, [0, 0, 0], [coordinator, batonWorker, jsWorker].map((s) => `--- ${s.name}:\n${s.output()}`).join('\n'))
    assert.match(jsWorker.output(), /worker\.mjs: stopped/)
  })
})
