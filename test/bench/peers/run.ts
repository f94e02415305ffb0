// `make bench-peers`: Baton side by side with graphile-worker, pg-boss and BullMQ on the same
// workloads (a 1,000-step chain, a 10,000-child fan-out + join, 20,000 independent tasks),
// interleaved: for each repetition, for each workload, each system in turn (the order rotates).
// stdout: one JSON line per (system, workload, rep), then one median line per (system, workload);
// stderr: progress and the table. Knobs: BENCH_PEERS_SCALE=0.1, BENCH_PEERS_REPS=1,
// BENCH_PEERS_ONLY=chain|fanout|throughput, BENCH_PEERS_SYSTEMS=baton,pg-boss, BENCH_PEERS_TIMEOUT_S.
import { baton } from './baton.js'
import { bullmq } from './bullmq.js'
import { killAllChildren, killAllChildrenNow, spawnWorker, type WorkerProcess } from './children.js'
import { CONCURRENCY, SYSTEMS, WORKLOADS, epochMs, sizeOf, sizesFor, warmSize, type SystemName, type Workload, type WorkerReport } from './common.js'
import { graphileWorker } from './graphile-worker.js'
import { floor } from './floor.js'
import { dropAllDatabases } from './pg-databases.js'
import { pgBoss } from './pg-boss.js'
import { CLK_TCK, cpuSeconds, sampleCpu } from './proc-cpu.js'
import { startPrivateRedis, type PrivateRedis } from './redis-server.js'
import { medianLines, table, type RunLine } from './report.js'
import { settingsOf } from './settings.js'
import { percentile, r3 } from './stats.js'
import type { System, SystemRep } from './system.js'

/** A comma-separated subset of `all` from the environment (all of it when unset). */
function subset<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name]
  if (!raw) return [...all]
  const picked = raw.split(',').map((s) => s.trim()).filter(Boolean)
  const unknown = picked.filter((p) => !all.includes(p as T))
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')} (choose from ${all.join(', ')})`)
  return all.filter((a) => picked.includes(a))
}

const scale = Number(process.env.BENCH_PEERS_SCALE ?? '1')
const reps = Number(process.env.BENCH_PEERS_REPS ?? '3')
if (!(scale > 0) || !(Number.isInteger(reps) && reps >= 1)) throw new Error('BENCH_PEERS_SCALE must be > 0 and BENCH_PEERS_REPS an integer >= 1')
const workloads = subset('BENCH_PEERS_ONLY', WORKLOADS)
const systems = subset('BENCH_PEERS_SYSTEMS', SYSTEMS)
const sizes = sizesFor(scale)

/** Timeout of a measured run: generous (pg-boss polls at 2 batches/s), overridable. */
function timeoutMs(workload: Workload): number {
  const fixed = Number(process.env.BENCH_PEERS_TIMEOUT_S)
  return fixed > 0 ? fixed * 1000 : 60_000 + sizeOf(workload, sizes) * 25
}
/** Start-up and warm-up get a fixed bound. */
const SETUP_TIMEOUT_MS = 120_000

function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
function progress(message: string): void {
  process.stderr.write(`bench-peers: ${message}\n`)
}

/** Polls `check` every 50 ms until true; throws after `ms`. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

// ---------------------------------------------------------------------------------- clean-up
let redis: PrivateRedis | undefined
const openReps = new Set<SystemRep>()

/** Ends every child, closes every repetition's storage, stops Redis, drops any database left. Idempotent. */
async function cleanUp(): Promise<void> {
  await killAllChildren()
  for (const rep of [...openReps]) {
    openReps.delete(rep)
    await rep.close().catch((e: unknown) => progress(`clean-up: ${String(e)}`))
  }
  await redis?.stop().catch((e: unknown) => progress(`clean-up: redis-server: ${String(e)}`))
  redis = undefined
  await dropAllDatabases()
}

let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return
    interrupted = true
    progress(`${signal}: stopping every process the bench started, dropping its databases and namespaces`)
    const code = signal === 'SIGINT' ? 130 : 143
    // A clean-up stuck on a server that is gone must not keep the bench alive.
    setTimeout(() => {
      progress('clean-up did not finish within 60 s; exiting')
      process.exit(code)
    }, 60_000).unref()
    void cleanUp().finally(() => process.exit(code))
  })
}
process.on('exit', killAllChildrenNow)

// ---------------------------------------------------------------------------------- one run
const drivers: Record<SystemName, System> = {
  'graphile-worker': graphileWorker,
  'pg-boss': pgBoss,
  bullmq: bullmq(() => redis!),
  baton: baton(warmSize),
  floor,
}

/** Figures of a measured run from the worker's stamps (and the driver's start, for the chain's total). */
function figures(report: WorkerReport, size: number, t0EpochMs: number): Record<string, unknown> {
  switch (report.workload) {
    case 'chain': {
      const h = [...report.handoffsMs].sort((a, b) => a - b)
      return { steps: size, p50_ms: r3(percentile(h, 50)), p99_ms: r3(percentile(h, 99)), total_s: r3((report.lastEndEpochMs - t0EpochMs) / 1000), ...(report.steps !== size ? { steps_run: report.steps } : {}) }
    }
    case 'fanout':
      return {
        children: size,
        first_child_ms: r3(report.firstChildStart - report.parentEnd),
        all_children_started_ms: r3(report.lastChildStart - report.parentEnd),
        join_ms: r3(report.joinStart - report.parentEnd),
        ...(report.children !== size ? { children_run: report.children } : {}),
      }
    case 'throughput': {
      const seconds = (report.lastEnd - report.firstStart) / 1000
      return { tasks: size, seconds: r3(seconds), tasks_per_s: Math.round(report.tasks / seconds), ...(report.tasks !== size ? { tasks_run: report.tasks } : {}) }
    }
  }
}

/**
 * One (system, workload, rep): fresh worker process (and Baton's coordinator), warm-up, then the
 * measured run with CPU sampled around it; the worker and helper are stopped whatever happens.
 */
async function runOne(system: System, rep: SystemRep, workload: Workload): Promise<Record<string, unknown>> {
  const size = sizeOf(workload, sizes)
  const warm = warmSize(workload, sizes)
  const what = `${system.name} ${workload}`
  let worker: WorkerProcess | undefined
  let helper: { pid: number; stop(): Promise<void> } | undefined
  try {
    helper = rep.startHelper?.()
    worker = spawnWorker({ system: system.name, workload, size, warmSize: warm, concurrency: CONCURRENCY, connection: rep.connection }, rep.workerEnv)
    await worker.next('ready', SETUP_TIMEOUT_MS, `${what}: worker start`)
    await rep.enqueue(workload, 'warm', warm)
    await worker.next('warmed', SETUP_TIMEOUT_MS, `${what}: warm-up`)
    await until(() => rep.settled(workload), SETUP_TIMEOUT_MS, `${what}: warm-up to be recorded complete`)

    const targets = { worker: worker.pid, ...(helper ? { coordinator: helper.pid } : {}), ...(redis ? { redis: redis.pid } : {}) }
    const cpuBefore = sampleCpu(targets)
    const t0 = epochMs()
    const deadline = Date.now() + timeoutMs(workload)
    await rep.enqueue(workload, 'main', size)
    await worker.next('done', Math.max(1, deadline - Date.now()), `${what}: measured run`)
    // CPU counts until the system has recorded every task complete, not just until the last handler.
    await until(() => rep.settled(workload), Math.max(1, deadline - Date.now()), `${what}: measured run to be recorded complete`)
    const cpu = cpuSeconds(cpuBefore, sampleCpu(targets))
    const out = figures(await worker.report(), size, t0)
    if (workload === 'chain') return out
    // The fan-out's tasks are its children plus parent and join.
    const tasks = workload === 'fanout' ? size + 2 : size
    const perTask = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, r3((v * 1000) / tasks)]))
    return { ...out, cpu_s: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, r3(v)])), cpu_ms_per_task: perTask }
  } finally {
    await worker?.stop()
    await helper?.stop()
  }
}

// ---------------------------------------------------------------------------------- main
const lines: RunLine[] = []
let failures = 0
try {
  if (systems.includes('bullmq')) redis = await startPrivateRedis()
  emit({
    bench: 'peers_setup',
    scale,
    reps,
    workloads,
    systems,
    sizes: { chain_steps: sizes.chain, fanout_children: sizes.fanout, throughput_tasks: sizes.throughput, baton_throughput_shape: `${sizes.throughput / sizes.tputWidth} runs x ${sizes.tputWidth} tasks` },
    concurrency: CONCURRENCY,
    clock: 'performance.now() inside the one worker process; chain total: performance.timeOrigin + performance.now() in driver and worker',
    cpu: `/proc utime+stime (CLK_TCK ${CLK_TCK}); postgres, nats-server and redis-server are whole-server figures`,
    versions: Object.fromEntries(systems.map((s) => [s, drivers[s].version])),
  })
  for (let r = 1; r <= reps && !interrupted; r++) {
    // Rotate the order each repetition so that no system always runs first (or right after another).
    const order = systems.map((_, i) => systems[(i + r - 1) % systems.length]!)
    const opened = new Map<SystemName, SystemRep | Error>()
    for (const workload of workloads) {
      for (const name of order) {
        if (interrupted) break
        const system = drivers[name]
        const base = { bench: 'peers' as const, workload, system: name, version: system.version, rep: r }
        const started = Date.now()
        progress(`rep ${r}/${reps}: ${workload} on ${name}…`)
        let line: RunLine
        try {
          if (!opened.has(name)) {
            opened.set(name, await system.open(sizes, workloads).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))))
            const o = opened.get(name)
            if (o && !(o instanceof Error)) openReps.add(o)
          }
          const rep = opened.get(name)!
          if (rep instanceof Error) throw new Error(`setting up ${name} for rep ${r} failed: ${rep.message}`)
          const figs = await runOne(system, rep, workload)
          line = { ...base, ...figs, settings: settingsOf(name, workload, { redisFlags: redis?.flags ?? [], tputWidth: sizes.tputWidth, tputTasks: sizes.throughput }) }
          progress(`rep ${r}/${reps}: ${workload} on ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
        } catch (e) {
          // Interrupted: the failure is the clean-up's doing, not the system's.
          if (interrupted) break
          failures++
          const message = e instanceof Error ? e.message : String(e)
          progress(`FAILED: rep ${r} ${workload} on ${name}: ${message}`)
          line = { ...base, error: message }
          // What the failed run left queued would hold up the next one's checks: start afresh.
          const rep = opened.get(name)
          opened.delete(name)
          if (rep && !(rep instanceof Error) && openReps.has(rep)) {
            openReps.delete(rep)
            await rep.close().catch((err: unknown) => progress(`closing ${name}'s storage after the failure: ${String(err)}`))
          }
        }
        lines.push(line)
        emit(line)
      }
    }
    for (const rep of opened.values()) {
      // Ctrl-C's clean-up closes (and forgets) what is open; never close a repetition twice.
      if (rep instanceof Error || !openReps.has(rep)) continue
      openReps.delete(rep)
      await rep.close().catch((e: unknown) => progress(`closing a repetition's storage: ${String(e)}`))
    }
  }
  if (!interrupted) {
    const medians = medianLines(lines)
    for (const m of medians) emit(m)
    process.stderr.write(`\n${table(medians, systems)}\n`)
    if (failures > 0) progress(`${failures} run(s) failed: see the "error" lines above`)
  }
} finally {
  if (!interrupted) await cleanUp()
}
// Exit explicitly: client libraries may keep timers around after their close().
if (!interrupted) process.exit(failures > 0 ? 1 : 0)
