import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { allEventsApplied } from '../support/events-applied.js'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, eventually, type TestNamespace } from '../support/namespace.js'
import { runBaton, startBaton, type BatonProcess } from '../support/processes.js'
import { mostRunningAtOnce } from '../support/runs.js'

// The trigger commands as a user runs them: emit source, readiness, runs --partition, backfill.

const FIXTURES = fileURLToPath(new URL('./fixtures-triggers/', import.meta.url))
const STACK = /\n\s+at /

let ns: TestNamespace
let dev: BatonProcess

before(async () => {
  ns = await createTestNamespace('trig_cli')
  const deployed = await runBaton(['deploy', FIXTURES], ns.env)
  assert.equal(deployed.code, 0, deployed.stderr)
  dev = startBaton(['dev'], ns.env)
})
after(async () => {
  await dev.kill('SIGTERM')
  await ns.close()
  await assertNoLeaks()
})

function oneError(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr)
  assert.doesNotMatch(r.stderr, STACK)
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0]!, /^error: /)
  assert.match(lines[0]!, pattern)
}

test('emit source refuses an unknown source and a partition that fits no waiting workflow', async () => {
  oneError(await runBaton(['emit', 'source', 'no_such_source', '--partition', '2026-01-01'], ns.env), /unknown source 'no_such_source'/)
  oneError(await runBaton(['emit', 'source', 'orders', '--partition', '2026-13-01'], ns.env), /--partition: "2026-13-01" is not a date partition/)
})

test('readiness shows what is missing; the last source starts one run with the partition as its date param', async () => {
  const p = '2026-04-02'
  const first = await runBaton(['emit', 'source', 'orders', '--partition', p, '--uri', 's3://lake/orders/2026-04-02'], ns.env)
  assert.equal(first.code, 0, first.stderr)
  await eventually(async () => {
    const r = await runBaton(['readiness', 'sales', '--partition', p, '--json'], ns.env)
    const rows = JSON.parse(r.stdout) as { missing: string[]; landings: { uri: string }[] }[]
    return rows[0]?.landings.length === 1 ? rows[0] : undefined
  }, 'orders recorded')
  const human = await runBaton(['readiness', 'sales', '--partition', p], ns.env)
  assert.match(human.stdout, /waiting for payments/)
  assert.match(human.stdout, /landed orders at .*s3:\/\/lake\/orders\/2026-04-02/)
  assert.equal((await runBaton(['emit', 'source', 'payments', '--partition', p], ns.env)).code, 0)
  assert.equal((await runBaton(['emit', 'source', 'payments', '--partition', p], ns.env)).code, 0) // a duplicate landing
  const runs = await eventually(async () => {
    const r = await runBaton(['runs', '--workflow', 'sales', '--partition', p, '--json'], ns.env)
    const list = JSON.parse(r.stdout) as { id: string; status: string; trigger: string }[]
    return list.length === 1 && list[0]!.status === 'succeeded' ? list : undefined
  }, 'the run succeeded', 60_000)
  assert.equal(runs[0]!.trigger, 'readiness')
  // The duplicate landing applied too, and it started nothing more.
  await allEventsApplied(ns)
  const listed = JSON.parse((await runBaton(['runs', '--workflow', 'sales', '--partition', p, '--json'], ns.env)).stdout) as { id: string }[]
  assert.deepEqual(listed.map((r) => r.id), [runs[0]!.id], 'one run for the partition')
  const run = JSON.parse((await runBaton(['run', runs[0]!.id, '--json'], ns.env)).stdout) as { params: unknown; tasks: { output: unknown }[] }
  assert.deepEqual(run.params, { date: p })
  assert.deepEqual(run.tasks[0]!.output, { date: p, partition: p })
})

test('backfill rejects a reversed or too large range, runs a range with bounded concurrency, and reports its status', async () => {
  oneError(await runBaton(['backfill', 'sales', '--from', '2026-01-05', '--to', '2026-01-01'], ns.env), /^error: --from\/--to: reversed range: from "2026-01-05" is after to "2026-01-01"$/)
  oneError(await runBaton(['backfill', 'sales', '--from', '2020-01-01', '--to', '2026-01-01'], { ...ns.env, BATON_BACKFILL_MAX_PARTITIONS: '100' }), /^error: --from\/--to: range "2020-01-01"\.\."2026-01-01" spans 2193 date partitions, more than the limit of 100$/)
  oneError(await runBaton(['backfill', 'sales', '--from', '2026-01-01', '--to', '2026-01-02', '--concurrency', '0'], ns.env), /^error: --concurrency: must be an integer from 1 to 1000, got "0"$/)
  const r = await runBaton(['backfill', 'sales', '--from', '2026-01-01', '--to', '2026-01-05', '--concurrency', '2'], ns.env)
  assert.equal(r.code, 0, r.stderr)
  const id = r.stdout.trim()
  assert.match(id, /^[0-9a-f-]{36}$/)
  assert.match(r.stderr, /succeeded — 5 succeeded, 0 failed/)
  const status = JSON.parse((await runBaton(['backfill', 'status', id, '--json'], ns.env)).stdout) as { status: string; runs: { total: number; succeeded: number } }
  assert.equal(status.status, 'succeeded')
  assert.equal(status.runs.succeeded, 5)
  // Bounded: by the coordinator's history, two of its runs at once at most, and the first
  // admission filled both slots.
  assert.deepEqual(await mostRunningAtOnce(ns.db, id), { most: 2, runs: 5 })
  // Cancelling a finished backfill leaves it as it ended: once the request is applied, still
  // succeeded, nothing cancelled.
  const cancelled = await runBaton(['backfill', 'cancel', id], ns.env)
  assert.equal(cancelled.code, 0, cancelled.stderr)
  assert.equal(cancelled.stdout, `backfill ${id} sales 2026-01-01..2026-01-05: succeeded — 5 succeeded, 0 failed, 0 running, 0 waiting, 0 cancelled (0 of 5 partitions skipped: already run, or running)\n`)
  await allEventsApplied(ns)
  const afterCancel = JSON.parse((await runBaton(['backfill', 'status', id, '--json'], ns.env)).stdout) as { status: string; runs: { succeeded: number; cancelled: number } }
  assert.deepEqual([afterCancel.status, afterCancel.runs.succeeded, afterCancel.runs.cancelled], ['succeeded', 5, 0])
  // The same range again runs nothing new.
  const again = await runBaton(['backfill', 'sales', '--from', '2026-01-01', '--to', '2026-01-05', '--detach'], ns.env)
  const s2 = JSON.parse((await runBaton(['backfill', 'status', again.stdout.trim(), '--json'], ns.env)).stdout) as { runs: { total: number }; skipped: number }
  assert.equal(s2.runs.total, 0)
  assert.equal(s2.skipped, 5)
  oneError(await runBaton(['backfill', 'status', '00000000-0000-0000-0000-000000000000'], ns.env), /backfill '00000000-0000-0000-0000-000000000000' not found/)
})
