import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { insertMappedRun, mappedWorkflow } from '../support/mapped-runs.js'
import { BATON_BIN, runBaton, spawnTracked, startBaton, startCoordinatorProcess, type BatonProcess } from '../support/processes.js'
import { STACK, UUID } from '../support/cli-assertions.js'

// Every command of `baton --help` with NATS down, Postgres down, and both: servers that refuse the
// connection (a closed port) and servers that accept it and hang up at once. A command that needs
// a server that is down prints exactly one `error:` line naming it and exits 3 — never a stack
// trace, never an uncaught exception, never a hang; a command that does not need it works. The
// service commands (`coordinator`, `worker`, `api`) retry instead, logging what is unreachable, and stop
// with exit 0 on SIGTERM. The command list is parsed from `baton --help`, so a new command fails
// this file until it has a row in COMMANDS below.

type Dependency = 'Postgres' | 'NATS'

/** How a command meets an outage: what it needs, in the order it uses them. */
interface Expectation {
  /** Arguments after the command's name; `{run}`, `{backfill}` and `{dir}` are filled in. */
  readonly args: readonly string[]
  /** Servers it needs, in the order it reaches them: the first one down is the one its error names. */
  readonly needs: readonly Dependency[]
  /** A server it uses when it can, reporting a `warning:` line naming it when it cannot (and still exits 0). */
  readonly optional?: Dependency
  /** A service command: it retries (a warn log line naming the first needed server down) until SIGTERM, then exits 0. */
  readonly service?: true
}

/**
 * The expected table. With S the servers down, a one-shot command whose `needs` meet S exits 3
 * with one `error:` line naming the first of its needs in S; otherwise it exits 0 (`deploy` with
 * NATS down also prints one `warning:` naming NATS). A service keeps retrying, logging the first
 * of its needs in S, or starts when none is down; SIGTERM ends it with exit 0 either way.
 *
 * | command                        | needs            | NATS down       | Postgres down  | both down      |
 * |--------------------------------|------------------|-----------------|----------------|----------------|
 * | validate                       | nothing          | 0               | 0              | 0              |
 * | deploy                         | Postgres (+NATS) | 0 + warning     | 3 Postgres     | 3 Postgres     |
 * | undeploy, workflows, runs, run, instances, status, migrate, readiness, backfill status, alerts, dead-letters, token create/list/revoke, audit | Postgres | 0 | 3 Postgres | 3 Postgres |
 * | trigger, cancel, emit source, backfill W, backfill cancel, logs, retry, clear, mark, approve, reject, pause, unpause | Postgres, NATS | 3 NATS | 3 Postgres | 3 Postgres |
 * | dev (fails fast, like the CLI) | Postgres, NATS   | 3 NATS          | 3 Postgres     | 3 Postgres     |
 * | doctor                         | NATS, Postgres   | 3 NATS          | 3 Postgres     | 3 NATS         |
 * | coordinator (service)          | Postgres, NATS   | retries NATS    | retries Postgres | retries Postgres |
 * | api (service)                  | Postgres, NATS   | retries NATS    | retries Postgres | retries Postgres |
 * | worker (service)               | NATS             | retries NATS    | starts         | retries NATS   |
 */
const COMMANDS: Record<string, readonly Expectation[]> = {
  validate: [{ args: ['{dir}'], needs: [] }],
  deploy: [{ args: ['{dir}'], needs: ['Postgres'], optional: 'NATS' }],
  undeploy: [{ args: ['archive_me'], needs: ['Postgres'] }],
  'workflows list': [{ args: [], needs: ['Postgres'] }],
  trigger: [{ args: ['gated', '--partition', '2026-01-02'], needs: ['Postgres', 'NATS'] }],
  runs: [{ args: [], needs: ['Postgres'] }],
  run: [{ args: ['{run}'], needs: ['Postgres'] }],
  // A run of `mapped` written with SQL (no worker runs it): its mapped task's instances.
  instances: [{ args: ['{mappedRun}', 'load'], needs: ['Postgres'] }],
  cancel: [{ args: ['{run}'], needs: ['Postgres', 'NATS'] }],
  // The operator actions in direct mode: the run (or workflow) from Postgres, then one event on NATS.
  retry: [{ args: ['{run}'], needs: ['Postgres', 'NATS'] }],
  clear: [{ args: ['{run}', 'a'], needs: ['Postgres', 'NATS'] }],
  mark: [{ args: ['{run}', 'a', 'succeeded', '--reason', 'outage test'], needs: ['Postgres', 'NATS'] }],
  approve: [{ args: ['{run}', 'a'], needs: ['Postgres', 'NATS'] }],
  reject: [{ args: ['{run}', 'a'], needs: ['Postgres', 'NATS'] }],
  pause: [{ args: ['gated'], needs: ['Postgres', 'NATS'] }],
  unpause: [{ args: ['gated'], needs: ['Postgres', 'NATS'] }],
  'emit source': [{ args: ['src_a', '--partition', '2026-01-03'], needs: ['Postgres', 'NATS'] }],
  status: [{ args: [], needs: ['Postgres'] }],
  readiness: [{ args: ['gated'], needs: ['Postgres'] }],
  backfill: [
    { args: ['gated', '--from', '2026-02-01', '--to', '2026-02-02'], needs: ['Postgres', 'NATS'] },
    { args: ['status', '{backfill}'], needs: ['Postgres'] },
    { args: ['cancel', '{backfill}'], needs: ['Postgres', 'NATS'] },
  ],
  logs: [{ args: ['{run}'], needs: ['Postgres', 'NATS'] }],
  alerts: [{ args: [], needs: ['Postgres'] }],
  'dead-letters': [{ args: [], needs: ['Postgres'] }],
  // No --name: each run creates its own token (names are unique). Revoking is idempotent: every run exits 0.
  'token create': [{ args: ['--role', 'viewer'], needs: ['Postgres'] }],
  'token list': [{ args: [], needs: ['Postgres'] }],
  'token revoke': [{ args: ['outage_token'], needs: ['Postgres'] }],
  audit: [{ args: [], needs: ['Postgres'] }],
  'workflows history': [{ args: ['gated'], needs: ['Postgres'] }],
  'workflows diff': [{ args: ['gated', 'current'], needs: ['Postgres'] }],
  'pools list': [{ args: [], needs: ['Postgres'] }],
  'pools set': [{ args: ['outage_pool', '--slots', '2'], needs: ['Postgres'] }],
  // --if-exists: the cases run in parallel, so a delete may come before any set.
  'pools delete': [{ args: ['outage_pool', '--if-exists'], needs: ['Postgres'] }],
  coordinator: [{ args: [], needs: ['Postgres', 'NATS'], service: true }],
  // Port 0: an API that started would not collide with anything (none starts: a server is always down here).
  api: [{ args: ['--port', '0'], needs: ['Postgres', 'NATS'], service: true }],
  // A queue no task uses: a worker that starts must not run the seeded run's task.
  worker: [{ args: ['--queue', 'outage_idle'], needs: ['NATS'], service: true }],
  dev: [{ args: [], needs: ['Postgres', 'NATS'] }],
  // Connects to both at once; NATS's failure is the one reported when both are down.
  doctor: [{ args: [], needs: ['NATS', 'Postgres'] }],
  // The migration Job's command: fails fast like the CLI, the Job retries it.
  migrate: [
    { args: [], needs: ['Postgres'] },
    { args: ['--status'], needs: ['Postgres'] },
  ],
}

/** Longest a one-shot command may take with a server down (the CLI's 5 s connect timeout, start-up and slack). */
const ONE_SHOT_LIMIT_MS = 20_000
/** The CLI's connect timeout (services/cli/src/client.ts, CONNECT_TIMEOUT_MS). */
const CONNECT_TIMEOUT_MS = 5000
/** Passwords in the outage URLs: they must never be printed. */
const PG_SECRET = 'pg-secret-never-printed'
const NATS_SECRET = 'nats-secret-never-printed'
/** Commands run at once (the machine's two cores are shared with other test files). */
const PARALLEL = 6

const WORKFLOWS = {
  'gated.json': { name: 'gated', owner: 'outages', when: { sourcesLanded: ['src_a'], partition: 'date' }, tasks: { a: { queue: 'outage_q', run: { sh: 'true' } } } },
  'mapped.json': mappedWorkflow('outage_mapped'),
}
const ARCHIVED = { 'archive_me.json': { name: 'archive_me', owner: 'outages', tasks: { a: { queue: 'outage_q', run: { sh: 'true' } } } } }

let ns: TestNamespace
let dir: string
let archiveDir: string
let runId: string
let mappedRunId: string
let backfillId: string
let refusedPort: number
let hangUp: Server
let hangUpPort: number
let silent: Server
let silentPort: number
const sockets = new Set<Socket>()

/** A TCP server: `hangup` accepts and closes each connection at once, `silent` accepts and never answers. */
async function tcpServer(kind: 'hangup' | 'silent'): Promise<{ server: Server; port: number }> {
  const port = await freePort()
  const server = createServer((s) => {
    s.on('error', () => {})
    if (kind === 'hangup') return void s.destroy()
    sockets.add(s)
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return { server, port }
}

/** Top-level commands from `baton --help`, with a group's subcommands (`emit source`) from its own help. */
async function commandsFromHelp(): Promise<string[]> {
  const names = async (args: string[]): Promise<string[]> => {
    const r = await runBaton([...args, '--help'], process.env as Record<string, string>)
    assert.equal(r.code, 0, r.stderr)
    const section = r.stdout.split(/^Commands:\n/m)[1] ?? ''
    return section
      .split('\n')
      .map((l) => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined && n !== 'help')
  }
  const top = await names([])
  const subs = await Promise.all(top.map((name) => names([name])))
  return top.flatMap((name, i) => (subs[i]!.length === 0 ? [name] : subs[i]!.map((s) => `${name} ${s}`)))
}

const HELP_COMMANDS = await commandsFromHelp()

before(async () => {
  ns = await createTestNamespace('cli_outage')
  dir = await mkdtemp(join(tmpdir(), 'baton-outages-'))
  archiveDir = await mkdtemp(join(tmpdir(), 'baton-outages-archive-'))
  for (const [f, def] of Object.entries(WORKFLOWS)) await writeFile(join(dir, f), JSON.stringify(def))
  for (const [f, def] of Object.entries(ARCHIVED)) await writeFile(join(archiveDir, f), JSON.stringify(def))
  for (const d of [dir, archiveDir]) {
    const r = await runBaton(['deploy', d], ns.env)
    assert.equal(r.code, 0, r.stderr)
  }
  const token = await runBaton(['token', 'create', '--name', 'outage_token', '--role', 'viewer'], ns.env)
  assert.equal(token.code, 0, token.stderr)
  // A run and a backfill that stay unfinished (no worker polls outage_q): cancel, logs and
  // backfill cancel get as far as NATS.
  const procs: BatonProcess[] = []
  startCoordinatorProcess(ns.env, procs)
  try {
    const t = await runBaton(['trigger', 'gated', '--partition', '2026-01-01'], ns.env)
    assert.equal(t.code, 0, t.stderr)
    runId = t.stdout.trim()
    const b = await runBaton(['backfill', 'gated', '--from', '2026-03-01', '--to', '2026-03-02', '--detach'], ns.env)
    assert.equal(b.code, 0, b.stderr)
    backfillId = b.stdout.trim()
    assert.match(runId, UUID)
    assert.match(backfillId, UUID)
  } finally {
    for (const p of procs) await p.kill()
  }
  mappedRunId = await insertMappedRun(ns.db, { workflow: 'outage_mapped', task: 'load', source: 'list_files', total: 3, statusOf: () => 'queued' })
  refusedPort = await freePort()
  ;({ server: hangUp, port: hangUpPort } = await tcpServer('hangup'))
  ;({ server: silent, port: silentPort } = await tcpServer('silent'))
  await runCases()
})
after(async () => {
  for (const s of sockets) s.destroy()
  await Promise.all([hangUp, silent].map((s) => s && new Promise((r) => s.close(r))))
  await ns.close()
  await rm(dir, { recursive: true, force: true })
  await rm(archiveDir, { recursive: true, force: true })
  await assertNoLeaks()
})

/** The namespace's environment with the servers in `down` pointing at `port` (a password in each URL). */
function envWith(down: readonly Dependency[], port: number): Record<string, string> {
  return {
    ...ns.env,
    ...(down.includes('Postgres') ? { BATON_DATABASE_URL: `postgres://baton:${PG_SECRET}@127.0.0.1:${port}/baton` } : {}),
    ...(down.includes('NATS') ? { BATON_NATS_URL: `nats://baton:${NATS_SECRET}@127.0.0.1:${port}` } : {}),
  }
}

function fill(args: readonly string[]): string[] {
  return args.map((a) => a.replace('{dir}', dir).replace('{mappedRun}', mappedRunId).replace('{run}', runId).replace('{backfill}', backfillId))
}

interface Outcome {
  code: number | string
  stdout: string
  stderr: string
  ms: number
}

/** Runs a one-shot command; a command still running after `limitMs` is killed and reported as 'hung'. */
async function runOnce(args: readonly string[], env: Record<string, string>, limitMs = ONE_SHOT_LIMIT_MS): Promise<Outcome> {
  const started = Date.now()
  const child = spawnTracked(process.execPath, [BATON_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], label: `baton ${args.join(' ')}` })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  let hung = false
  const timer = setTimeout(() => {
    hung = true
    child.kill('SIGKILL')
  }, limitMs)
  // 'close', not 'exit': the process may exit before its piped stderr has been read here.
  const code = await new Promise<number | string>((r) => child.once('close', (c, s) => r(c ?? s ?? -1)))
  clearTimeout(timer)
  return { code: hung ? 'hung' : code, stdout, stderr, ms: Date.now() - started }
}

/** Starts a service command, waits for its first retry log line (or its start), then SIGTERMs it. */
async function runService(args: readonly string[], env: Record<string, string>, waitFor: RegExp): Promise<Outcome & { sawLine: boolean }> {
  const started = Date.now()
  const p = startBaton(args, { ...env, BATON_LOG_LEVEL: 'info' })
  let sawLine = false
  try {
    await eventually(() => waitFor.test(p.output()) || p.child.exitCode !== null, `${args.join(' ')} to log ${waitFor}`, ONE_SHOT_LIMIT_MS)
    sawLine = waitFor.test(p.output())
  } catch {
    // reported by the assertion below
  }
  p.child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([p.exited, new Promise<string>((r) => (timer = setTimeout(() => r('hung'), 15_000)))])
  clearTimeout(timer)
  await p.kill()
  return { code, stdout: p.output(), stderr: '', ms: Date.now() - started, sawLine }
}

/** Runs `jobs` with at most PARALLEL at once. */
async function pool<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length)
  let next = 0
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < jobs.length) {
        const i = next++
        out[i] = await jobs[i]!()
      }
    }),
  )
  return out
}

/** The server named with its address (a URL without its password, or host:port). */
function mentions(server: Dependency, port: number): RegExp {
  return new RegExp(`${server} at (${server === 'Postgres' ? 'postgres' : 'nats'}://)?(baton:\\*\\*\\*@)?127\\.0\\.0\\.1:${port}\\b`)
}

/** Checks one command's outcome against the table. */
function check(name: string, e: Expectation, down: readonly Dependency[], port: number, r: Outcome & { sawLine?: boolean }): void {
  const label = `baton ${name} ${fill(e.args).join(' ')} with ${down.join(' and ')} down (port ${port})`
  const all = `${r.stdout}${r.stderr}`
  assert.ok(!all.includes(PG_SECRET) && !all.includes(NATS_SECRET), `${label}: a password was printed:\n${all}`)
  assert.doesNotMatch(all, STACK, `${label}: a stack trace:\n${all}`)
  assert.doesNotMatch(all, /Uncaught|UnhandledPromiseRejection|node:internal/, `${label}: an uncaught exception:\n${all}`)
  const firstDown = e.needs.find((s) => down.includes(s))
  if (e.service) {
    assert.equal(r.code, 0, `${label}: SIGTERM must end it with exit 0:\n${all}`)
    assert.ok(r.sawLine, `${label}: expected ${firstDown ? `a retry line naming ${firstDown}` : 'it to start'}:\n${all}`)
    if (firstDown) {
      assert.match(all, /SIGTERM: stopping .*it had not started/, label)
      assert.doesNotMatch(all, /"msg":"(coordinator|worker) started"/, label)
    }
    return
  }
  assert.notEqual(r.code, 'hung', `${label}: still running after ${ONE_SHOT_LIMIT_MS / 1000}s:\n${all}`)
  if (firstDown) {
    assert.equal(r.code, 3, `${label}: exit code:\n${all}`)
    const lines = r.stderr.trimEnd().split('\n')
    assert.equal(lines.length, 1, `${label}: one line expected:\n${r.stderr}`)
    assert.match(lines[0]!, /^error: /, label)
    assert.match(lines[0]!, mentions(firstDown, port), `${label}: the line names ${firstDown}`)
    assert.doesNotMatch(lines[0]!, firstDown === 'NATS' ? /Postgres/ : /NATS/, `${label}: the line names only ${firstDown}`)
    assert.equal(r.stdout, '', `${label}: nothing on stdout`)
    return
  }
  assert.equal(r.code, 0, `${label}: exit code:\n${all}`)
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: could not check'))
  if (e.optional && down.includes(e.optional)) {
    assert.equal(warnings.length, 1, `${label}: one warning naming ${e.optional}:\n${r.stderr}`)
    assert.match(warnings[0]!, mentions(e.optional, port), label)
  }
  assert.doesNotMatch(r.stderr, /^error:/m, `${label}: no error:\n${r.stderr}`)
}

test('the table covers exactly the commands of `baton --help`', () => {
  assert.ok(HELP_COMMANDS.length >= 15, HELP_COMMANDS.join(', '))
  assert.deepEqual([...HELP_COMMANDS].sort(), Object.keys(COMMANDS).sort(), 'a command was added or removed: give it a row in COMMANDS (its minimal arguments and the servers it needs)')
})

const OUTAGES: readonly (readonly Dependency[])[] = [['NATS'], ['Postgres'], ['Postgres', 'NATS']]
const KINDS = { refused: 'refuse connections (a closed port)', hangup: 'accept the connection and hang up' } as const
type Kind = keyof typeof KINDS

interface Case {
  readonly kind: Kind
  readonly name: string
  readonly e: Expectation
  readonly down: readonly Dependency[]
}

/** Every (server kind, outage, command invocation), run PARALLEL at a time before the tests look at them. */
const CASES: Case[] = (Object.keys(KINDS) as Kind[]).flatMap((kind) =>
  OUTAGES.flatMap((down) => HELP_COMMANDS.flatMap((name) => (COMMANDS[name] ?? []).map((e) => ({ kind, name, e, down })))),
)
let outcomes: (Outcome & { sawLine?: boolean })[] = []
let silentOutcomes: Outcome[] = []

/** Runs every case (one `before` with the seeding: node 20 does not wait for one top-level hook before the next). */
async function runCases(): Promise<void> {
  const port = (kind: Kind): number => (kind === 'refused' ? refusedPort : hangUpPort)
  // The servers that never answer take the connect timeout: started first, alongside the rest.
  const silentRuns = Promise.all([
    runOnce(['runs'], envWith(['Postgres'], silentPort)),
    runOnce(['trigger', 'gated', '--partition', '2026-01-04'], envWith(['NATS'], silentPort)),
    runOnce(['deploy', dir], envWith(['NATS'], silentPort)),
    // The same with every server up: how long these take on this machine now.
    runOnce(['runs'], ns.env),
    runOnce(['deploy', dir], ns.env),
  ])
  outcomes = await pool(
    CASES.map(({ kind, name, e, down }) => () => {
      const args = [...name.split(' '), ...fill(e.args)]
      const env = envWith(down, port(kind))
      if (!e.service) return runOnce(args, env)
      const firstDown = e.needs.find((s) => down.includes(s))
      return runService(args, env, firstDown ? new RegExp(`cannot reach ${mentions(firstDown, port(kind)).source}`) : /"msg":"(coordinator|worker) started"/)
    }),
  )
  silentOutcomes = await silentRuns
}

test('the table covers exactly the commands of `baton --help`', () => {
  assert.ok(HELP_COMMANDS.length >= 15, HELP_COMMANDS.join(', '))
  assert.deepEqual([...HELP_COMMANDS].sort(), Object.keys(COMMANDS).sort(), 'a command was added or removed: give it a row in COMMANDS (its minimal arguments and the servers it needs)')
})

for (const kind of Object.keys(KINDS) as Kind[]) {
  test(`every command with servers that ${KINDS[kind]}: one error line and exit 3, success, or a service that retries`, async (t) => {
    const port = kind === 'refused' ? refusedPort : hangUpPort
    for (const [i, c] of CASES.entries()) {
      if (c.kind !== kind) continue
      await t.test(`${c.name} ${c.e.args.join(' ')} — ${c.down.join(' and ')} down`, () => check(c.name, c.e, c.down, port, outcomes[i]!))
    }
  })
}

test('a server that accepts the connection and never answers: the command gives up after the CLI\'s 5 s connect timeout', () => {
  const [runs, trigger, deploy, runsUp, deployUp] = silentOutcomes as [Outcome, Outcome, Outcome, Outcome, Outcome]
  assert.equal(runsUp.code, 0, runsUp.stderr)
  assert.equal(deployUp.code, 0, deployUp.stderr)
  // At most the connect timeout more than with every server up (plus slack for a loaded machine);
  // nats.js's own connect timeout alone would be 20 s.
  const within = (r: Outcome, up: Outcome): void => assert.ok(r.ms < up.ms + CONNECT_TIMEOUT_MS + 4000, `took ${r.ms} ms, ${up.ms} ms with every server up`)
  for (const [r, server] of [
    [runs, 'Postgres'],
    [trigger, 'NATS'],
  ] as const) {
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, new RegExp(`^error: cannot reach ${mentions(server, silentPort).source}.*: no answer within 5s\\n$`))
  }
  within(runs, runsUp)
  within(trigger, runsUp)
  // deploy goes on without NATS (it only asks which workers run) and exits soon after.
  assert.equal(deploy.code, 0, deploy.stderr)
  assert.match(deploy.stderr, /^warning: could not check which workers are running \(NATS: cannot reach NATS at .*: no answer within 5s\)$/m)
  within(deploy, deployUp)
})
