import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { newId } from '@baton/shared'
import { benchEnv, deploy } from './harness.js'

const BATON_BIN = fileURLToPath(new URL('../../services/cli/bin/baton.js', import.meta.url))

/** Wall time of one process run to completion, in ms; throws when it fails. */
function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`)
  return ms
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/**
 * CLI start-up (issue 7: within 3× of bare Node): `baton --version`, `baton runs` and `baton run
 * ID` against a namespace holding a finished run, next to `node -e 0`, measured in the same run
 * and interleaved round by round so that a busy moment of the machine hits every command alike.
 */
export async function cliStartup(rounds: number): Promise<Record<string, unknown>> {
  const env = await benchEnv('cli')
  try {
    await deploy(env, { name: 'cli_bench', tasks: { a: {}, b: { after: ['a'] } } })
    // A finished run to show, written directly: the bench measures reading, not running.
    const runId = newId()
    const hash = (await env.db.selectFrom('workflows').select('current_hash').where('name', '=', 'cli_bench').executeTakeFirstOrThrow()).current_hash
    await env.db.insertInto('runs').values({ id: runId, workflow: 'cli_bench', version_hash: hash, idempotency_key: runId, params: '{}', status: 'succeeded', trigger: 'manual', tasks_total: 2, tasks_terminal: 2, partition: null, requested_by: null, cancel_reason: null, started_at: null, finished_at: null, concurrency_key: null, concurrency_limit: null, backfill_id: null, scheduled_for: null }).execute()
    const childEnv = { ...process.env, ...env.env }
    const commands: Record<string, string[]> = {
      node_e_0: ['-e', '0'],
      baton_version: [BATON_BIN, '--version'],
      baton_runs: [BATON_BIN, 'runs'],
      baton_run: [BATON_BIN, 'run', runId],
    }
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
    // One warm-up round: the first spawn pays for the page cache.
    for (const args of Object.values(commands)) timeOnce(args, childEnv)
    for (let i = 0; i < rounds; i++) for (const [k, args] of Object.entries(commands)) samples[k]!.push(timeOnce(args, childEnv))
    const p50 = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]))
    const bare = p50.node_e_0!
    return {
      bench: 'cli_startup',
      rounds,
      p50_ms: p50,
      ratio_to_bare_node: Object.fromEntries(Object.entries(p50).filter(([k]) => k !== 'node_e_0').map(([k, v]) => [k, Math.round((v / bare) * 100) / 100])),
      target: 'each within 3x of node -e 0',
    }
  } finally {
    await env.close()
  }
}
