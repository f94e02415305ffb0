import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// The short form of `make chaos` (test/chaos/, docs/chaos.md): about 2 minutes at a
// fixed small scale, with its own private nats-server and Postgres cluster (nothing shared with
// the other test files is touched). The seed is drawn each time and printed first; a failure is
// replayed with `make chaos SEED=<seed> MINUTES=1.5` (the same schedule; process timing differs).
// CHAOS_SEED pins it.

const RUN = fileURLToPath(new URL('../chaos/run.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test('a short chaos run (faults, junk, a mixed workload) keeps every invariant', { timeout: 10 * 60_000 }, async (t) => {
  // `make chaos MINUTES=1.5`: every other setting at its default.
  const args = ['--conditions=baton-source', '--import', 'tsx', RUN, '--minutes', '1.5']
  if (process.env.CHAOS_SEED) args.push('--seed', process.env.CHAOS_SEED)
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  // Cancelled (test timeout): the harness takes its processes and servers down on SIGTERM.
  t.signal.addEventListener('abort', () => child.kill('SIGTERM'), { once: true })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    let nl: number
    while ((nl = stdout.indexOf('\n')) >= 0) {
      t.diagnostic(stdout.slice(0, nl))
      stdout = stdout.slice(nl + 1)
    }
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  assert.equal(code, 0, `the chaos run failed (its invariant lines above say which); progress:\n${stderr.split('\n').slice(-60).join('\n')}`)
})
