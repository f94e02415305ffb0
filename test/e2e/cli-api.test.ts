import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import type { AuditRecord, RunDetails, RunSummary } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { freePort } from '../support/private-nats.js'
import { runBaton, startBaton, startCoordinatorProcess, stopGracefully, type BatonProcess } from '../support/processes.js'
import { assertOneErrorLine, STACK, UUID } from '../support/cli-assertions.js'

// The CLI through the HTTP API (docs/operations.md, "CLI through the API"): with BATON_API_URL and
// BATON_TOKEN in its environment, and its Postgres and NATS URLs pointing at a closed port (so
// using either would fail the command), every command that reads or acts works as in direct mode,
// the operator actions included; a token without the right gets the API's 403 in one line, a bad
// token the 401, an API that is down exit 3 naming its URL (never the token).

let ns: TestNamespace
let dir: string
let flag: string
let closedPort: number
let apiUrl: string
const procs: BatonProcess[] = []
const secrets = { admin: '', viewer: '' }

/** Runs `baton ARGS` through the API with `token`: no usable database or NATS URL. */
function cli(token: string, args: readonly string[], url = apiUrl) {
  return runBaton(args, apiEnv(token, url))
}

function apiEnv(token: string, url = apiUrl): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BATON_')) env[k] = v
  return {
    ...env,
    BATON_API_URL: url,
    BATON_TOKEN: token,
    BATON_DATABASE_URL: `postgres://nobody:unused@127.0.0.1:${closedPort}/nowhere`,
    BATON_NATS_URL: `nats://127.0.0.1:${closedPort}`,
    BATON_NAMESPACE: 'cli_api_nowhere',
  }
}

async function ok(token: string, args: readonly string[]): Promise<string> {
  const r = await cli(token, args)
  assert.equal(r.code, 0, `baton ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  assert.doesNotMatch(r.stderr, /^error:/m)
  return r.stdout
}

async function json<T>(token: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await ok(token, [...args, '--json'])) as T
}

const run = (id: string) => json<RunDetails>(secrets.admin, ['run', id])
const task = (r: RunDetails, id: string) => r.tasks.find((t) => t.id === id)!

async function runUntil(id: string, done: (r: RunDetails) => boolean, what: string): Promise<RunDetails> {
  return eventually(async () => {
    const r = await run(id)
    return done(r) ? r : undefined
  }, what, 60_000)
}

const WORKFLOWS = {
  'capi_flip.json': {
    name: 'capi_flip',
    owner: 'capi',
    tasks: {
      extract: { queue: 'capi_q', run: { sh: 'echo "{\\"rows\\":3}"' } },
      // Fails until the flag file exists: a failing run made to succeed.
      flaky: { queue: 'capi_q', after: ['extract'], retry: { attempts: 1 }, run: { sh: '' } },
      load: { queue: 'capi_q', after: ['flaky'], run: { sh: 'echo "{\\"loaded\\":true}"' } },
    },
  },
  'capi_gate.json': {
    name: 'capi_gate',
    owner: 'capi',
    tasks: {
      prep: { queue: 'capi_q', run: { sh: 'echo "{}"' } },
      gate: { kind: 'approval', after: ['prep'], timeout: '1h' },
      ship: { queue: 'capi_q', after: ['gate'], run: { sh: 'echo "{}"' } },
    },
  },
  'capi_landed.json': { name: 'capi_landed', owner: 'capi', when: { sourcesLanded: ['capi_src'], partition: 'date' }, tasks: { a: { queue: 'capi_q', run: { sh: 'echo "{}"' } } } },
}

before(async () => {
  ns = await createTestNamespace('cli_api')
  dir = await mkdtemp(join(tmpdir(), 'baton-cli-api-'))
  flag = join(dir, 'flaky.ok')
  const defs = structuredClone(WORKFLOWS)
  defs['capi_flip.json'].tasks.flaky.run.sh = `echo "checking ${flag}"; test -f '${flag}' || { echo 'flag missing' >&2; exit 4; }; echo '{"ok":true}'`
  for (const [f, def] of Object.entries(defs)) await writeFile(join(dir, f), JSON.stringify(def))
  closedPort = await freePort()
  const apiPort = await freePort()
  apiUrl = `http://127.0.0.1:${apiPort}`
  // The admin token is made straight in the database: the first credential of a deployment.
  const t = await runBaton(['token', 'create', '--role', 'admin', '--name', 'capi_admin'], ns.env)
  assert.equal(t.code, 0, t.stderr)
  secrets.admin = t.stdout.trim()
  startCoordinatorProcess(ns.env, procs)
  procs.push(startBaton(['worker', '--queue', 'capi_q'], ns.env))
  procs.push(startBaton(['api', '--port', String(apiPort), '--host', '127.0.0.1'], ns.env))
  await eventually(async () => (await fetch(`${apiUrl}/readyz`)).status === 200, 'the API to be ready', 60_000)
})

after(async () => {
  for (const p of procs) await stopGracefully(p, 10_000)
  await ns?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
  await assertNoLeaks()
})

describe('reads and definitions through the API', () => {
  test('deploy compiles locally and deploys through PUT /workflows/{name}; workflows lists them', async () => {
    const out = await ok(secrets.admin, ['deploy', dir])
    assert.match(out, /^deployed capi_flip \(version [0-9a-f]{12}, 3 tasks, queues: capi_q\)$/m)
    assert.match(out, /^deployed capi_gate \(version [0-9a-f]{12}, 3 tasks, queues: capi_q\)$/m)
    assert.match(await ok(secrets.admin, ['deploy', dir]), /^unchanged capi_flip /m)
    const list = await ok(secrets.admin, ['workflows'])
    for (const name of ['capi_flip', 'capi_gate', 'capi_landed']) assert.match(list, new RegExp(`│ ${name}\\s`))
    // The same rows as direct mode.
    const direct = await runBaton(['workflows', '--json'], ns.env)
    assert.deepEqual(JSON.parse(await ok(secrets.admin, ['workflows', '--json'])), JSON.parse(direct.stdout))
  })

  test('trigger --wait, runs, run and logs: a failing run, shown as in direct mode', async () => {
    const r = await cli(secrets.admin, ['trigger', 'capi_flip', '--wait'])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stdout, /^status {5}failed$/m)
    const id = /^run {8}(\S+)$/m.exec(r.stdout)![1]!
    assert.match(id, UUID)
    const runs = await json<RunSummary[]>(secrets.admin, ['runs', '--workflow', 'capi_flip'])
    assert.equal(runs[0]?.id, id)
    assert.equal(runs[0]?.status, 'failed')
    const shown = await ok(secrets.admin, ['run', id])
    assert.match(shown, /flaky .*failed/)
    // `run --json` is the document of direct mode.
    const direct = await runBaton(['run', id, '--json'], ns.env)
    assert.deepEqual(await run(id), JSON.parse(direct.stdout))
    const logs = await ok(secrets.admin, ['logs', id, 'flaky'])
    assert.match(logs, /flaky#1 \[stderr\] flag missing/)
    assert.match(await ok(secrets.admin, ['logs', id]), /extract#1 \[stdout\]/)
    // An unknown workflow: the API's 404, one line, exit 2.
    assertOneErrorLine(await cli(secrets.admin, ['runs', '--workflow', 'capi_nope']), /^error: 404 NOT_FOUND: workflow 'capi_nope' not found$/)
  })

  test('status, readiness, alerts, dead-letters and backfills read through the API', async () => {
    assert.match(await ok(secrets.admin, ['status']), /^capi_flip\s/m)
    assert.match(await ok(secrets.admin, ['readiness', 'capi_landed']), /no source has landed yet/)
    assertOneErrorLine(await cli(secrets.admin, ['readiness', 'capi_flip']), /has no data gate/)
    assert.equal((await cli(secrets.admin, ['alerts'])).code, 0)
    assert.equal((await cli(secrets.admin, ['dead-letters'])).code, 0)
    const id = (await ok(secrets.admin, ['backfill', 'capi_landed', '--from', '2026-01-01', '--to', '2026-01-02'])).trim()
    assert.match(id, UUID)
    assert.match(await ok(secrets.admin, ['backfill', 'status', id]), new RegExp(`^backfill ${id} capi_landed 2026-01-01\\.\\.2026-01-02: succeeded — 2 succeeded`))
    assert.match(await ok(secrets.admin, ['backfill', 'cancel', id]), /: succeeded — /)
  })

  test('emit source goes through POST /sources/{source}/landings and starts the run it completes', async () => {
    const id = (await ok(secrets.admin, ['emit', 'source', 'capi_src', '--partition', '2026-02-01', '--uri', 's3://lake/capi/2026-02-01'])).trim()
    assert.match(id, UUID)
    await eventually(async () => /2026-02-01\s.*started/.test(await ok(secrets.admin, ['readiness', 'capi_landed'])), 'the partition to start its run', 30_000)
    assertOneErrorLine(await cli(secrets.admin, ['emit', 'source', 'capi_src', '--partition', 'nope']), /^error: 400 VALIDATION_FAILED: .*not a date partition/)
  })
})

describe('operator actions through the API', () => {
  let failed = ''

  test('retry from failure: the failed task and what it feeds run again, extract is kept', async () => {
    const r = await cli(secrets.admin, ['trigger', 'capi_flip', '--wait'])
    assert.equal(r.code, 1)
    failed = /^run {8}(\S+)$/m.exec(r.stdout)![1]!
    await writeFile(flag, 'ok')
    const retried = await ok(secrets.admin, ['retry', failed, '--reason', 'flag fixed'])
    assert.match(retried, new RegExp(`^applied: retry run ${failed} \\(run now (running|succeeded)\\)\\n$`))
    const done = await runUntil(failed, (x) => x.status === 'succeeded', 'the retried run to succeed')
    assert.equal(task(done, 'extract').attempts, 1, 'extract kept its output: not run again')
    assert.equal(task(done, 'flaky').attempts, 2)
    // A run that succeeded is not retried: the API's 409, as an ignored line with exit 1.
    const again = await cli(secrets.admin, ['retry', failed])
    assert.equal(again.code, 1, again.stderr)
    assert.match(again.stdout, new RegExp(`^ignored: retry run ${failed}: run ${failed} is succeeded: only a failed or cancelled run is retried from failure\\n$`))
  })

  test('clear --downstream runs the task and its downstream again', async () => {
    const out = await ok(secrets.admin, ['clear', failed, 'flaky', '--downstream'])
    assert.match(out, new RegExp(`^applied: clear flaky \\(with its downstream\\) in run ${failed} \\(run now (running|succeeded)\\)\\n$`))
    const done = await runUntil(failed, (x) => x.status === 'succeeded' && task(x, 'load').attempts === 2, 'the cleared tasks to run again')
    assert.equal(task(done, 'flaky').attempts, 3)
    assert.equal(task(done, 'extract').attempts, 1)
  })

  test('mark a task failed with a reason: its downstream fails closed; the same mark again is ignored (409)', async () => {
    assertOneErrorLine(await cli(secrets.admin, ['mark', failed, 'flaky', 'failed']), /required option '--reason <text>' not specified/)
    const out = await ok(secrets.admin, ['mark', failed, 'flaky', 'failed', '--reason', 'bad totals'])
    assert.match(out, new RegExp(`^applied: mark flaky failed in run ${failed} \\(run now (running|failed)\\)\\n$`))
    const r = await runUntil(failed, (x) => x.status === 'failed', 'the marked run to fail')
    assert.equal(task(r, 'load').status, 'upstream_failed')
    assert.match(String((task(r, 'flaky').error as { message?: string }).message), /marked failed by token:capi_admin: bad totals/)
    const again = await cli(secrets.admin, ['mark', failed, 'flaky', 'failed', '--reason', 'twice'])
    assert.equal(again.code, 1)
    assert.match(again.stdout, /^ignored: mark flaky failed in run .*: task flaky is already failed\n$/)
  })

  test('pause and unpause a workflow', async () => {
    assert.equal(await ok(secrets.admin, ['pause', 'capi_landed', '--reason', 'source broken']), 'applied: pause capi_landed\n')
    assert.match(await ok(secrets.admin, ['workflows']), /│ capi_landed .*│ paused/)
    assert.equal(await ok(secrets.admin, ['unpause', 'capi_landed']), 'applied: unpause capi_landed\n')
    assert.doesNotMatch(await ok(secrets.admin, ['workflows']), /│ paused/)
    assertOneErrorLine(await cli(secrets.admin, ['pause', 'capi_nope']), /^error: 404 NOT_FOUND: workflow 'capi_nope' not found$/)
  })

  test('approve: baton run shows the wait with its deadline, then who approved, when and why', async () => {
    const id = (await ok(secrets.admin, ['trigger', 'capi_gate'])).trim()
    await runUntil(id, (x) => task(x, 'gate').status === 'running', 'the approval to wait')
    assert.match(await ok(secrets.admin, ['run', id]), new RegExp(`^approval gate: waiting for a decision until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: baton approve\\|reject ${id} gate$`, 'm'))
    // Approving a task that is not an approval task: 409.
    const wrong = await cli(secrets.admin, ['approve', id, 'prep'])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stdout, /^ignored: approve prep in run .*: task prep is a task task, not an approval task\n$/)
    assert.match(await ok(secrets.admin, ['approve', id, 'gate', '--reason', 'numbers checked']), new RegExp(`^applied: approve gate in run ${id} \\(run now (running|succeeded)\\)\\n$`))
    await runUntil(id, (x) => x.status === 'succeeded', 'the approved run to succeed')
    assert.match(await ok(secrets.admin, ['run', id]), /^approval gate: approved by token:capi_admin at \d{4}-[\d-]+T[\d:.]+Z: numbers checked$/m)
    // Approving it again: it is not waiting any more.
    const late = await cli(secrets.admin, ['approve', id, 'gate'])
    assert.equal(late.code, 1)
    assert.match(late.stdout, /^ignored: approve gate in run .*: task gate is succeeded: it is not waiting for approval\n$/)
  })

  test('reject: the approval fails closed, and baton run says who rejected it and why', async () => {
    const id = (await ok(secrets.admin, ['trigger', 'capi_gate'])).trim()
    await runUntil(id, (x) => task(x, 'gate').status === 'running', 'the approval to wait')
    assert.match(await ok(secrets.admin, ['reject', id, 'gate', '--reason', 'too risky']), new RegExp(`^applied: reject gate in run ${id} \\(run now (running|failed)\\)\\n$`))
    const r = await runUntil(id, (x) => x.status === 'failed', 'the rejected run to fail')
    assert.equal(task(r, 'ship').status, 'upstream_failed')
    assert.match(await ok(secrets.admin, ['run', id]), /^approval gate: rejected by token:capi_admin: too risky \(at [\d-]+T[\d:.]+Z\)$/m)
  })

  test('bulk retry: a dry run lists the failed runs, then the real one retries them', async () => {
    await rm(flag, { force: true })
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const r = await cli(secrets.admin, ['trigger', 'capi_flip', '--wait'])
      assert.equal(r.code, 1)
      ids.push(/^run {8}(\S+)$/m.exec(r.stdout)![1]!)
    }
    const dry = await cli(secrets.admin, ['retry', '--workflow', 'capi_flip', '--status', 'failed', '--since', '10m', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    for (const id of ids) assert.match(dry.stdout, new RegExp(`^would apply: retry run ${id} \\(capi_flip\\), now failed$`, 'm'))
    assert.match(dry.stderr, /run\(s\) matched: \d+ would be retried, 0 skipped \(dry run: nothing was sent\)/)
    for (const id of ids) assert.equal((await run(id)).status, 'failed', 'a dry run sends nothing')
    await writeFile(flag, 'ok')
    const real = await cli(secrets.admin, ['retry', '--workflow', 'capi_flip', '--status', 'failed', '--since', '10m'])
    assert.equal(real.code, 0, real.stderr)
    for (const id of ids) assert.match(real.stdout, new RegExp(`^(applied|pending): retry run ${id} \\(capi_flip\\)`, 'm'))
    for (const id of ids) await runUntil(id, (x) => x.status === 'succeeded', `bulk-retried run ${id} to succeed`)
    // A filter and a run id together make no sense.
    assertOneErrorLine(await cli(secrets.admin, ['retry', ids[0]!, '--workflow', 'capi_flip']), /^error: RUN_ID: give a run id, or a filter/)
  })
})

describe('the same commands in direct mode (no API configured)', () => {
  test('retry, pause, unpause and approve publish one event each, by cli:<OS user>, and wait for the coordinator', async () => {
    const direct = (args: readonly string[]) => runBaton(args, ns.env)
    const [latest] = await json<RunSummary[]>(secrets.admin, ['runs', '--workflow', 'capi_flip', '--status', 'succeeded', '--limit', '1'])
    const retried = await direct(['retry', latest!.id])
    assert.equal(retried.code, 1, retried.stderr)
    assert.match(retried.stdout, new RegExp(`^ignored: retry run ${latest!.id}: run is succeeded: only a failed or cancelled run is retried\\n$`))
    assert.equal((await direct(['pause', 'capi_landed'])).stdout, 'applied: pause capi_landed\n')
    assert.equal((await direct(['unpause', 'capi_landed'])).stdout, 'applied: unpause capi_landed\n')
    const id = (await ok(secrets.admin, ['trigger', 'capi_gate'])).trim()
    await runUntil(id, (x) => task(x, 'gate').status === 'running', 'the approval to wait')
    const approved = await direct(['approve', id, 'gate', '--reason', 'from the shell'])
    assert.equal(approved.code, 0, approved.stderr)
    assert.match(approved.stdout, new RegExp(`^applied: approve gate in run ${id} \\(run now (running|succeeded)\\)\\n$`))
    assert.match((await direct(['run', id])).stdout, new RegExp(`^approval gate: approved by cli:${userInfo().username} at .*: from the shell$`, 'm'))
    const unknown = await direct(['clear', id, 'nope'])
    assertOneErrorLine(unknown, /has no task 'nope'/)
  })
})

describe('tokens, audit and refusals through the API', () => {
  test('token create, list and revoke go through the API; the secret is never audited', async () => {
    const created = await cli(secrets.admin, ['token', 'create', '--role', 'viewer', '--name', 'capi_viewer'])
    assert.equal(created.code, 0, created.stderr)
    secrets.viewer = created.stdout.trim()
    assert.match(secrets.viewer, /^baton_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/)
    assert.match(created.stderr, /^created token 'capi_viewer' \(id [a-z2-7]{12}, viewer, expires never\)$/m)
    const list = await ok(secrets.admin, ['token', 'list'])
    assert.match(list, /capi_viewer/)
    assert.match(list, /token:capi_admin/, 'created by the admin token, through the API')
    assert.ok(!list.includes(secrets.viewer))
    const rows = await json<AuditRecord[]>(secrets.admin, ['audit', '--action', 'token.create'])
    const row = rows.find((r) => r.resource === 'token:capi_viewer')
    assert.ok(row, 'the creation is audited')
    assert.equal(row.actor, 'token:capi_admin')
    assert.equal(row.result, 'ok')
    assert.ok(!JSON.stringify(rows).includes(secrets.viewer) && !JSON.stringify(rows).includes(secrets.viewer.slice(19)), 'no secret in the audit log')
  })

  test('a viewer reads, and its action is refused with the 403 line naming the permission', async () => {
    assert.match(await ok(secrets.viewer, ['runs']), /capi_flip/)
    const [latest] = await json<RunSummary[]>(secrets.viewer, ['runs', '--workflow', 'capi_flip', '--limit', '1'])
    const r = await cli(secrets.viewer, ['retry', latest!.id])
    assertOneErrorLine(r, /^error: 403 FORBIDDEN: token 'capi_viewer' lacks permission 'retry' on workflow 'capi_flip' \(owner capi\) \(grants: viewer\)$/, 1)
    assertOneErrorLine(await cli(secrets.viewer, ['pause', 'capi_flip']), /^error: 403 FORBIDDEN: token 'capi_viewer' lacks permission 'pause'/, 1)
    assertOneErrorLine(await cli(secrets.viewer, ['token', 'list']), /^error: 403 FORBIDDEN: token 'capi_viewer' lacks permission 'tokens'/, 1)
    const denied = await json<AuditRecord[]>(secrets.admin, ['audit', '--actor', 'token:capi_viewer', '--result', 'denied'])
    assert.ok(denied.some((d) => d.action === 'run.retry' && d.status === 403), 'the refused retry is audited')
  })

  test('a revoked or wrong token: the 401 line', async () => {
    assert.match(await ok(secrets.admin, ['token', 'revoke', 'capi_viewer']), /^revoked token 'capi_viewer'/)
    assertOneErrorLine(await cli(secrets.viewer, ['runs']), /^error: 401 UNAUTHENTICATED: /, 1)
    const bad = 'baton_aaaaaaaaaaaa_' + 'x'.repeat(43)
    const r = await cli(bad, ['workflows'])
    assertOneErrorLine(r, /^error: 401 UNAUTHENTICATED: /, 1)
    assert.ok(!r.stderr.includes(bad))
  })

  test('an API that cannot be reached: exit 3, one line naming its URL, never the token', async () => {
    const down = `http://127.0.0.1:${closedPort}`
    for (const args of [['runs'], ['retry', '00000000-0000-4000-8000-000000000000'], ['token', 'list']]) {
      const r = await cli(secrets.admin, args, down)
      assertOneErrorLine(r, new RegExp(`^error: cannot reach the Baton API at http://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`), 3)
      assert.ok(!r.stderr.includes(secrets.admin))
      assert.doesNotMatch(r.stderr, STACK)
    }
  })
})
