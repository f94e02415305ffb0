import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectNats, jetstreamClient, subjectsFor, type NatsConnection } from '@baton/shared'
import { runBaton } from '../support/processes.js'
import { makePlan, type Settings } from './plan.js'
import { replayCommand } from './settings.js'
import { createPrng } from './prng.js'
import { PrivatePostgres } from './servers.js'
import { startChaosNats, type ChaosNats } from './nats-servers.js'
import { Fleet } from './fleet.js'
import { QUEUE, SH_QUEUE, WORKFLOWS } from './workflows.js'
import { openReadDb, type ReadDb } from './read-db.js'
import { EventCapture, Workload } from './workload.js'
import { FaultInjector } from './faults.js'
import { readFinalState } from './final-state.js'
import { checkRuns } from './check-runs.js'
import { checkHistory, checkLedger } from './check-history.js'
import { checkFailures } from './check-failures.js'
import { checkMessages, type CliDeadLetter } from './check-messages.js'
import { invariant, type InvariantResult } from './invariant.js'
import { readLedger } from './ledger.js'
import { figures } from './figures.js'
import { scanLogs } from './process-logs.js'
import { waitQuiet, waitJunkSettled } from './quiescence.js'

/**
 * One chaos run, start to end: private servers, `baton deploy`, the coordinators and workers,
 * the workload and the faults of the plan, a bounded wait for quiescence, the checks (through
 * the CLI's `--json` commands, the database read-only, history and the ledger), then the
 * figures. Prints JSON lines through `emit` (settings, figures, one line per invariant, the
 * result) and progress through `log`. Resolves true only when every invariant holds.
 */

/** The namespace of a chaos run (its servers are its own, so one fixed name is enough). */
export const NAMESPACE = 'chaos'
const HANDLERS = fileURLToPath(new URL('./fixtures/handlers.ts', import.meta.url))

/** How the harness reports. */
export interface ChaosOutput {
  emit(line: Record<string, unknown>): void
  log(message: string): void
  /** Keep the temporary directory (logs, ledger, data) even when the run passes. */
  keep?: boolean
}

/** Runs the chaos test described by `settings`. */
export async function runChaos(settings: Settings, o: ChaosOutput): Promise<boolean> {
  const plan = makePlan(settings)
  const counts: Record<string, number> = {}
  for (const a of plan.actions) counts[a.kind] = (counts[a.kind] ?? 0) + 1
  o.emit({
    type: 'settings',
    ...settings,
    planDigest: plan.digest,
    planned: { ...counts, faults: plan.faults.length, expectedRuns: plan.expectedRuns.length },
    replay: replayCommand(settings),
    note: 'the same seed and settings give the same plan (planDigest); wall-clock timing of the processes under it, and the live targets of replay junk, differ from run to run',
  })
  o.log(`seed ${settings.seed}, plan ${plan.digest} (replay: ${replayCommand(settings)})`)
  const dir = mkdtempSync(join(tmpdir(), 'baton-chaos-'))
  const started = Date.now()
  let nats: ChaosNats | undefined
  let pg: PrivatePostgres | undefined
  let fleet: Fleet | undefined
  let nc: NatsConnection | undefined
  let db: ReadDb | undefined
  let pass = false
  // Interrupted (Ctrl-C, a test timeout): take down everything this run started, then exit.
  const interrupted = (signal: NodeJS.Signals): void => {
    o.log(`${signal}: stopping the run's processes and servers (work dir ${dir})`)
    void (async () => {
      if (fleet) {
        fleet.stopping = true
        await Promise.all(fleet.all().map((m) => m.kill()))
      }
      await nats?.stop().catch(() => {})
      await pg?.stop(true).catch(() => {})
      process.exit(130)
    })()
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    nats = await startChaosNats(dir, settings.natsCluster === true)
    pg = await PrivatePostgres.start()
    o.log(`servers: ${nats.description}, postgres ${pg.url} (data ${pg.dir}); work dir ${dir}`)
    const ledgerFile = join(dir, 'ledger.jsonl')
    writeFileSync(ledgerFile, '')
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      BATON_NAMESPACE: NAMESPACE,
      BATON_NATS_URL: nats.url,
      BATON_DATABASE_URL: pg.url,
      BATON_LOG_LEVEL: 'info',
      BATON_METRICS_PORT: '0',
      CHAOS_LEDGER: ledgerFile,
    }
    delete env.BATON_CRASHPOINTS
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT
    delete env.BATON_STREAM_REPLICAS
    Object.assign(env, nats.env)

    const wfDir = join(dir, 'workflows')
    mkdirSync(wfDir)
    for (const wf of WORKFLOWS) writeFileSync(join(wfDir, `${wf.name}.json`), JSON.stringify(wf, null, 2))
    const deployed = await runBaton(['deploy', wfDir], env)
    if (deployed.code !== 0) throw new Error(`baton deploy failed: ${deployed.stderr}`)

    mkdirSync(join(dir, 'logs'))
    fleet = new Fleet(env, join(dir, 'logs'))
    fleet.onUnexpectedExit = (e) => o.log(`UNEXPECTED EXIT of ${e.name} (pid ${e.pid}): code ${e.code} signal ${e.signal}; log ${e.log}`)
    for (let i = 0; i < settings.coordinators; i++) fleet.addCoordinator()
    for (let i = 0; i < settings.workers; i++) fleet.addWorker([QUEUE, SH_QUEUE], HANDLERS, settings.concurrency)
    await until(() => fleet!.all().every((m) => m.readyAt !== undefined), 120_000, 'coordinators and workers to start')

    nc = await connectNats(nats.url, 'chaos-harness')
    const subjects = subjectsFor(NAMESPACE)
    db = openReadDb(pg.url, NAMESPACE)
    const capture = new EventCapture()
    capture.start(nc, subjects)
    const workload = new Workload(nc, jetstreamClient(nc), subjects, db, createPrng(settings.seed, 'junk-targets'), capture.targets(db), o.log, capture.ownIds)
    const injector = new FaultInjector(fleet, nats, pg, db, NAMESPACE, o.log)

    o.log(`chaos phase: ${settings.minutes} min, ${plan.expectedRuns.length} runs expected, ${plan.faults.length} faults`)
    const t0 = Date.now()
    const progress = setInterval(() => void report(db!, t0, injector, o), 15_000)
    try {
      await Promise.all([workload.run(plan.actions, t0), injector.run(plan.faults, t0)])
    } finally {
      clearInterval(progress)
    }
    const chaosEnd = Date.now()
    await injector.restoreAll()
    const lastFault = injector.lastLiftedAt ?? chaosEnd
    const deadline = Math.max(lastFault, chaosEnd) + settings.quiesceSeconds * 1000
    o.log(`chaos phase over after ${Math.round((chaosEnd - t0) / 1000)} s; waiting for quiescence (at most ${settings.quiesceSeconds} s after the last fault)`)
    const quiet = await waitQuiet(db, plan, deadline)
    await waitJunkSettled(db, workload.junk, 30_000)
    o.log(quiet.quietAt ? `quiet ${Math.round((quiet.quietAt - lastFault) / 1000)} s after the last fault` : `NOT quiet by the deadline: ${quiet.reason}`)

    const results: InvariantResult[] = [
      invariant(`every requested run is terminal within ${settings.quiesceSeconds} s of the last fault (and the outbox drained)`, plan.expectedRuns.length, quiet.quietAt ? [] : [quiet.reason]),
    ]
    const state = await readFinalState(db)
    results.push(...checkRuns(plan, state))
    results.push(...checkHistory(state))
    results.push(checkFailures(state, injector.records))
    const { ledger, lines } = readLedger(ledgerFile)
    const led = checkLedger(state, ledger, lines, injector.records)
    results.push(...led.results)
    const cliDeadLetters = await cliJson<CliDeadLetter[]>(env, ['dead-letters', '--limit', '10000'])
    results.push(...checkMessages(state, workload.published, workload.junk, cliDeadLetters))
    results.push(await checkCli(env, state, createPrng(settings.seed, 'cli-sample')))

    const stops = await fleet.stopAll(45_000)
    const died = fleet.exits.filter((e) => !e.expected)
    const unclean = stops.filter((s) => s.forced || s.code !== 0)
    results.push(invariant('no process died except by the harness (exit code or signal of every child)', fleet.exits.length, died))
    results.push(invariant('every process stops cleanly on SIGTERM at the end (exit 0)', stops.length, unclean))
    const logs = scanLogs(fleet.all())
    results.push(logs.result)

    o.emit({
      ...figures({
        state,
        faults: injector.records,
        junk: workload.junk,
        deadLetters: cliDeadLetters,
        executions: led.figures,
        exits: fleet.exits,
        timings: {
          setup_ms: t0 - started,
          chaos_ms: chaosEnd - t0,
          // From the last fault lifted, and from the end of the chaos phase (its last publish), to quiet.
          quiet_after_last_fault_ms: quiet.quietAt ? quiet.quietAt - lastFault : null,
          quiet_after_chaos_ms: quiet.quietAt ? quiet.quietAt - chaosEnd : null,
          total_ms: Date.now() - started,
        },
      }),
      logs: logs.figures,
    })
    for (const r of results) o.emit({ ...r })
    pass = results.every((r) => r.pass)
    o.emit({ type: 'result', pass, seed: settings.seed, failed: results.filter((r) => !r.pass).map((r) => r.name), workDir: pass && !o.keep ? null : dir })
    return pass
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    if (fleet && !fleet.stopping) await fleet.stopAll(5000).catch(() => {})
    await nc?.close().catch(() => {})
    await db?.close().catch(() => {})
    await nats?.stop().catch(() => {})
    await pg?.stop(!pass || !!o.keep).catch(() => {})
    if (pass && !o.keep) rmSync(dir, { recursive: true, force: true })
    else o.log(`kept ${dir} (logs/, ledger.jsonl, ${settings.natsCluster ? 'nats-cluster/' : 'nats-store/, nats.log'})${pg ? ` and ${pg.dir} (Postgres data)` : ''}`)
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function report(db: ReadDb, t0: number, injector: FaultInjector, o: ChaosOutput): Promise<void> {
  try {
    const [r] = await db.query<{ total: number; done: number }>(`SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'cancelled'))::int AS done FROM runs`)
    o.log(`t=${Math.round((Date.now() - t0) / 1000)}s runs ${r?.done}/${r?.total} finished, ${injector.records.length} faults so far`)
  } catch {
    o.log(`t=${Math.round((Date.now() - t0) / 1000)}s (database not answering)`)
  }
}

/** Runs `baton ARGS --json` and parses its output. */
async function cliJson<T>(env: Record<string, string>, args: readonly string[]): Promise<T> {
  const r = await runBaton([...args, '--json'], env)
  if (r.code !== 0) throw new Error(`baton ${args.join(' ')} --json failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** The CLI's view agrees with the database: every run and its status, and a sample of runs task by task. */
async function checkCli(env: Record<string, string>, state: Awaited<ReturnType<typeof readFinalState>>, r: ReturnType<typeof createPrng>): Promise<InvariantResult> {
  const problems: unknown[] = []
  const listed = await cliJson<{ id: string; status: string }[]>(env, ['runs', '--limit', '10000'])
  const db = new Map(state.runs.map((x) => [x.id, x.status]))
  if (listed.length !== db.size) problems.push({ problem: `baton runs lists ${listed.length} runs, the database has ${db.size}` })
  for (const x of listed) if (db.get(x.id) !== x.status) problems.push({ run: x.id, cli: x.status, db: db.get(x.id) ?? 'missing' })
  const sample = r.shuffle([...db.keys()].sort()).slice(0, 8)
  for (const id of sample) {
    const run = await cliJson<{ status: string; tasks: { id: string; status: string; attempts: number }[] }>(env, ['run', id])
    for (const t of run.tasks) {
      const row = state.tasks.find((x) => x.run_id === id && x.task_id === t.id)
      if (!row || row.status !== t.status || row.attempt !== t.attempts) problems.push({ run: id, task: t.id, cli: `${t.status}#${t.attempts}`, db: row ? `${row.status}#${row.attempt}` : 'missing' })
    }
  }
  return invariant('the CLI (--json) agrees with the database: every run, and a sample task by task', listed.length + sample.length, problems)
}

