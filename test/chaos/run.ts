import { runChaos } from './harness.js'
import { settingsFrom } from './settings.js'

/**
 * `make chaos [SEED=n] [MINUTES=m] [NATS_CLUSTER=1]`: a seeded, replayable chaos run against
 * private servers (`--nats-cluster`: a 3-node NATS cluster with R3 streams, losing one node at
 * a time). Prints JSON lines on stdout (settings with the seed first, then figures, one line per
 * invariant, the result) and progress on stderr; exits 0 only when every invariant holds.
 *
 *   node --conditions=baton-source --import tsx test/chaos/run.ts [--seed N] [--minutes M]
 *     [--coordinators 2|3] [--workers N] [--concurrency N] [--rate RUNS_PER_S]
 *     [--junk-rate MSGS_PER_S] [--quiesce SECONDS] [--no-faults] [--nats-cluster] [--keep]
 *
 * (defaults in settings.ts; the first line printed names the command that replays the run)
 */

const { settings, keep } = settingsFrom(process.argv.slice(2))
const pass = await runChaos(settings, {
  emit: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
  log: (m) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}\n`),
  keep,
}).catch((e: unknown) => {
  process.stderr.write(`chaos run aborted (seed ${settings.seed}): ${(e as Error).stack ?? String(e)}\n`)
  process.stdout.write(`${JSON.stringify({ type: 'result', pass: false, seed: settings.seed, aborted: (e as Error).message })}\n`)
  return false
})
process.exit(pass ? 0 : 1)
