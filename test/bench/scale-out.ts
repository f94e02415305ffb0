import { sql } from 'kysely'
import { duplicateTransitions } from '../support/runs.js'
import { benchEnv, deploy, r3, spawnCoordinator, stopChild, until, type BenchEnv } from './harness.js'
import { CLK_TCK, CORES, cpuUse, listeningPid, sampleCpu, type ServerPids } from './process-cpu.js'
import { closedLoop, fixedRate, startWorkerProcess, withOwnDatabase, type Load, type WorkerProcess } from './scale-out-load.js'

// `make bench` scale-out (issue 13): 1, 2 and 3 coordinator processes against one NATS and one
// Postgres, the no-op worker in a process of its own, many small runs (each a chain
// t0 → t1 → t2 → t3). For each count, in one namespace:
//   - `idle`: 3 s with no load — each coordinator's periodic jobs;
//   - `paced`: a fixed rate of runs, by default 1 million tasks an hour — what a coordinator
//     spends per transition at a load an operator sizes for, and the hand-off at that load;
//   - saturated (the line's top level): INFLIGHT runs kept in flight, a run requested as one
//     finishes — the most transitions/s the host gives; the hand-off there is mostly queueing
//     (Little: in flight / throughput).
// Each loaded window (after a warm-up) reads task transitions (history rows), hand-off p50/p99
// (a task's result published → its successor's command received, stamped in the worker), the
// cores of every process (/proc; the servers are the ones listening on the namespace's URLs),
// Postgres commits and row writes (pg_stat_database of a database of the bench's own; a backend
// reports at most once a second, so ±1 s at each end of a window) and WAL syncs (pg_stat_wal,
// the whole server). Over the whole load: the same Postgres figures exactly (read once every
// coordinator backend has exited), JetStream messages and bytes per task, history rows per run,
// duplicate transitions. docs/operations.md, "Capacity model", is built on these figures.

const CHAIN = 4
/** Runs kept in flight by the saturated load; BENCH_SCALE_OUT_INFLIGHT changes it. */
const INFLIGHT = Number(process.env.BENCH_SCALE_OUT_INFLIGHT ?? '200')
/** Tasks an hour of the paced load; BENCH_SCALE_OUT_TASKS_PER_HOUR changes it. */
const PACED_TASKS_PER_HOUR = Number(process.env.BENCH_SCALE_OUT_TASKS_PER_HOUR ?? '1000000')
/** Coordinator counts measured; BENCH_SCALE_OUT_COORDINATORS=1,3 changes them. */
const COUNTS = (process.env.BENCH_SCALE_OUT_COORDINATORS ?? '1,2,3').split(',').map(Number)
const WARMUP_MS = 3000

type Line = Record<string, unknown>

/** pg_stat_database of the bench's own database, and pg_stat_wal (the whole server). */
async function pgCounters(env: BenchEnv): Promise<Record<string, number>> {
  const db = await sql<Record<string, string>>`SELECT xact_commit, xact_rollback, tup_inserted + tup_updated + tup_deleted AS row_writes, deadlocks FROM pg_stat_database WHERE datname = current_database()`.execute(env.db)
  const wal = await sql<Record<string, string>>`SELECT wal_bytes, wal_sync FROM pg_stat_wal`.execute(env.db)
  return Object.fromEntries(Object.entries({ ...db.rows[0], ...wal.rows[0] }).map(([k, v]) => [k, Number(v)]))
}

/** Bytes on disk of the bench's database (tables, indexes, TOAST, free space map). */
async function databaseBytes(env: BenchEnv): Promise<number> {
  return Number((await sql<{ n: string }>`SELECT pg_database_size(current_database()) AS n`.execute(env.db)).rows[0]!.n)
}

/** Messages ever stored (last sequence) in the namespace's events and commands streams, and the events' bytes. */
async function streamCounters(env: BenchEnv): Promise<Record<string, number>> {
  const events = (await env.jsm.streams.info(env.subjects.eventsStream)).state
  const commands = (await env.jsm.streams.info(env.subjects.commandsStream)).state
  return { events: events.last_seq, event_bytes: events.bytes, commands: commands.last_seq }
}

/** Task transitions recorded, or runs succeeded. */
async function count(env: BenchEnv, what: 'transitions' | 'succeeded'): Promise<number> {
  const r =
    what === 'transitions'
      ? await sql<{ n: string }>`SELECT count(*) AS n FROM history WHERE kind = 'transition'`.execute(env.db)
      : await sql<{ n: string }>`SELECT count(*) AS n FROM runs WHERE status = 'succeeded'`.execute(env.db)
  return Number(r.rows[0]!.n)
}

const delta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]))
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** What one coordinator count has running: the namespace, the processes, the runs requested so far. */
interface Rig {
  readonly env: BenchEnv
  readonly worker: WorkerProcess
  readonly pids: Record<'coordinators' | 'worker' | 'driver', number[]>
  readonly servers: ServerPids
  requested: number
}

/** Offers `load` for a warm-up and a window, measures the window, then waits until every run succeeded. */
async function window(rig: Rig, load: Load, windowS: number): Promise<Line> {
  const { env, worker, pids } = rig
  await sleep(WARMUP_MS)
  worker.windowStart()
  const t0 = await count(env, 'transitions')
  const pg0 = await pgCounters(env)
  const cpu0 = sampleCpu(pids, rig.servers)
  await sleep(windowS * 1000)
  const cpu1 = sampleCpu(pids, rig.servers)
  const pgUse = delta(pg0, await pgCounters(env))
  const t1 = await count(env, 'transitions')
  const w = await worker.windowEnd()
  rig.requested += await load.stop()
  // The worker's count first (no queries), then the database's.
  await until(() => worker.finished >= rig.requested, 300_000, 'scale-out runs to finish')
  await until(async () => (await count(env, 'succeeded')) === rig.requested, 60_000, 'scale-out runs to succeed')
  const use = cpuUse(cpu0, cpu1)
  const transitions = t1 - t0
  const perSecond = transitions / use.seconds
  const coordinatorCores = sum(use.pids.coordinators!)
  const ms = (cores: number) => r3((cores * 1000) / perSecond)
  return {
    window_s: r3(use.seconds),
    transitions_per_s: Math.round(perSecond),
    tasks_per_s: Math.round(w.commands / use.seconds),
    handoff_p50_ms: w.p50_ms,
    handoff_p99_ms: w.p99_ms,
    handoffs: w.handoffs,
    command_payload_bytes: Math.round(w.command_bytes / w.commands),
    transitions_per_coordinator_core_s: Math.round(perSecond / coordinatorCores),
    cpu_cores: {
      coordinators: use.pids.coordinators!.map(r3),
      worker: r3(use.pids.worker![0]!),
      driver: r3(use.pids.driver![0]!),
      // null: the server does not listen on this machine (or not visibly), so it was not measured.
      postgres: rig.servers.postmaster === undefined ? null : r3(use.postgres),
      nats: rig.servers.nats === undefined ? null : r3(use.nats),
      total: r3(use.total),
      machine: r3(use.machine),
      available: CORES,
    },
    cpu_ms_per_transition: { coordinators: ms(coordinatorCores), worker: ms(use.pids.worker![0]!), postgres: ms(use.postgres), nats: ms(use.nats), total: ms(use.total) },
    per_transition: {
      pg_commits: r3(pgUse.xact_commit! / transitions),
      pg_row_writes: r3(pgUse.row_writes! / transitions),
      wal_bytes: Math.round(pgUse.wal_bytes! / transitions),
      wal_syncs: r3(pgUse.wal_sync! / transitions),
    },
    pg_commits_per_s: Math.round(pgUse.xact_commit! / use.seconds),
    wal_syncs_per_s: Math.round(pgUse.wal_sync! / use.seconds),
    pg_rollbacks: pgUse.xact_rollback,
    pg_deadlocks: pgUse.deadlocks,
  }
}

/** The Postgres and NATS servers of the namespace's URLs, when they listen on this machine. */
function servers(env: BenchEnv): ServerPids {
  const port = (url: string, fallback: number) => Number(new URL(url.split(',')[0]!.replace(/^(?![a-z]+:\/\/)/, 'nats://')).port || fallback)
  return { postmaster: listeningPid(port(env.config.databaseUrl, 5432)), nats: listeningPid(port(env.config.natsUrl, 4222)) }
}

/** Cores used with no load at all: each coordinator's periodic jobs, and what Postgres does for them. */
async function idle(rig: Rig, seconds: number): Promise<Line> {
  const cpu0 = sampleCpu(rig.pids, rig.servers)
  await sleep(seconds * 1000)
  const use = cpuUse(cpu0, sampleCpu(rig.pids, rig.servers))
  return { window_s: r3(use.seconds), coordinator_cores: use.pids.coordinators!.map(r3), postgres_cores: r3(use.postgres) }
}

/** Waits until the coordinators' backends have exited, which flushes their statistics. */
async function coordinatorBackendsGone(env: BenchEnv): Promise<void> {
  await until(async () => {
    const r = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'baton-coordinator:%'`.execute(env.db)
    return Number(r.rows[0]!.n) === 0
  }, 30_000, 'coordinator backends to exit')
}

/** One coordinator count: no load, the paced load, the saturated one, then the whole-load counts. */
async function measure(coordinators: number, windowS: number, workerStart: string): Promise<Line> {
  const env = await benchEnv(`scale${coordinators}`)
  try {
    const tasks = Object.fromEntries(Array.from({ length: CHAIN }, (_, i) => [`t${i}`, { queue: 'bench', ...(i > 0 ? { after: [`t${i - 1}`] } : {}) }]))
    await deploy(env, { name: 'small', tasks })
    const worker = await startWorkerProcess(env, CHAIN, workerStart)
    const children = Array.from({ length: coordinators }, () => spawnCoordinator(env))
    try {
      // Every coordinator pulling from the shared events consumer before any load.
      await until(async () => (await env.jsm.consumers.info(env.subjects.eventsStream, env.subjects.coordinatorConsumer)).num_waiting >= coordinators, 60_000, 'coordinators to consume')
      const pids = { coordinators: children.map((c) => c.pid!), worker: [worker.child.pid!], driver: [process.pid] }
      const rig: Rig = { env, worker, pids, servers: servers(env), requested: 0 }
      const streams0 = await streamCounters(env)
      const pg0 = await pgCounters(env)
      const bytes0 = await databaseBytes(env)
      const idleUse = await idle(rig, 3)
      const paced = await window(rig, fixedRate(env, 'small', PACED_TASKS_PER_HOUR / 3600 / CHAIN), Math.max(3, windowS / 2))
      const saturated = await window(rig, closedLoop(env, worker, 'small', INFLIGHT), windowS)
      const streams = delta(streams0, await streamCounters(env))
      for (const c of children) await stopChild(c)
      await coordinatorBackendsGone(env)
      const pgAll = delta(pg0, await pgCounters(env))
      const history = await env.db.selectFrom('history').select(['kind', 'from_status', 'to_status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['kind', 'from_status', 'to_status']).execute()
      const transitions = sum(history.filter((h) => h.kind === 'transition').map((h) => Number(h.n)))
      const allTasks = rig.requested * CHAIN
      return {
        bench: 'scale_out',
        coordinators,
        worker_start: workerStart,
        tasks_per_run: CHAIN,
        runs_in_flight: INFLIGHT,
        ...saturated,
        paced: { tasks_per_hour: PACED_TASKS_PER_HOUR, ...paced },
        runs: rig.requested,
        per_task: {
          transitions: r3(transitions / allTasks),
          js_messages: r3((streams.events! + streams.commands!) / allTasks),
          js_events: r3(streams.events! / allTasks),
          js_commands: r3(streams.commands! / allTasks),
          event_stream_bytes: Math.round(streams.event_bytes! / allTasks),
          command_payload_bytes: saturated.command_payload_bytes,
          pg_disk_bytes: Math.round(((await databaseBytes(env)) - bytes0) / allTasks),
        },
        // Exact (every coordinator backend has exited): checks the windows' figures, which a
        // backend's once-a-second statistics report blurs; includes start-up, idle and drain.
        whole_load_per_transition: { pg_commits: r3(pgAll.xact_commit! / transitions), pg_row_writes: r3(pgAll.row_writes! / transitions), wal_syncs: r3(pgAll.wal_sync! / transitions) },
        idle: idleUse,
        history_rows_per_run: Object.fromEntries(history.map((h) => [`${h.kind} ${h.from_status ?? '-'}→${h.to_status ?? '-'}`, r3(Number(h.n) / rig.requested)])),
        duplicate_transitions: (await duplicateTransitions(env.db)).length,
        note: `busy host unless stated; cpu_cores: /proc utime+stime (CLK_TCK ${CLK_TCK}); postgres, nats, wal_* are whole-server figures, machine is every process on the host`,
      }
    } finally {
      for (const c of children) await stopChild(c)
      await worker.stop()
    }
  } finally {
    await env.close()
  }
}

/**
 * The scale-out bench: one `scale_out` line per coordinator count (1, 2, 3), then a
 * `scale_out_summary` line with the ratios to the first count and the CPU the machine had.
 */
export async function scaleOutBench(emit: (line: Line) => void, n: (x: number) => number, workerStart: string): Promise<void> {
  const windowS = Math.max(3, n(120) / 10)
  const lines: Line[] = []
  await withOwnDatabase(async () => {
    for (const k of COUNTS) {
      const line = await measure(k, windowS, workerStart)
      emit(line)
      lines.push(line)
    }
  })
  const cpu = (l: Line) => l.cpu_cores as Record<string, number>
  const paced = (l: Line) => l.paced as Line
  emit({
    bench: 'scale_out_summary',
    coordinators: lines.map((l) => l.coordinators),
    transitions_per_s: lines.map((l) => l.transitions_per_s),
    ratio_to_first: lines.map((l) => r3(Number(l.transitions_per_s) / Number(lines[0]!.transitions_per_s))),
    handoff_p50_ms: lines.map((l) => l.handoff_p50_ms),
    handoff_p99_ms: lines.map((l) => l.handoff_p99_ms),
    cpu_cores_measured: lines.map((l) => cpu(l).total),
    cpu_cores_machine: lines.map((l) => cpu(l).machine),
    cores_available: CORES,
    cpu_ms_per_transition: lines.map((l) => (l.cpu_ms_per_transition as Record<string, number>).total),
    paced_handoff_p50_ms: lines.map((l) => paced(l).handoff_p50_ms),
    paced_coordinator_cores: lines.map((l) => r3(sum((paced(l).cpu_cores as { coordinators: number[] }).coordinators))),
    idle_coordinator_cores: lines.map((l) => r3(sum((l.idle as { coordinator_cores: number[] }).coordinator_cores))),
    note: 'saturated: a coordinator added to a host whose cores are all busy can only share them; compare cpu_cores_machine with cores_available before reading ratio_to_first',
  })
}
