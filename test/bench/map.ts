import { readFileSync } from 'node:fs'
import type { TaskCommand } from '@baton/shared'
import { duplicateTransitions } from '../support/runs.js'
import { benchEnv, deploy, noopWorker, r3, requestRun, spawnCoordinator, stopChild, until, type BenchEnv } from './harness.js'

// `make bench` mapped tasks (dynamic fan-out): a 10,000-instance map's fan-out (the mapping
// task's result → every instance command received → the reducer's command), and the
// coordinator's memory over a 100,000-instance map beside a 10,000-instance one. A task's output
// is at most 256 KiB of JSON, so the list is single digits: 100,000 of them ≈ 200 KB.

type Emit = (line: Record<string, unknown>) => void

/** The source's list: `length` single digits (element i is i % 10). */
function digits(length: number): number[] {
  return Array.from({ length }, (_, i) => i % 10)
}

/** Resident memory of a process in MiB (VmRSS from /proc). */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Math.round(Number(kb) / 102.4) / 10
}

async function runStatus(env: BenchEnv, workflow: string): Promise<string | undefined> {
  return (await env.db.selectFrom('runs').select('status').where('workflow', '=', workflow).executeTakeFirst())?.status
}

/** Task status counts of a workflow's run (instances grouped under their mapped task), for a stuck run's report. */
async function taskCounts(env: BenchEnv, workflow: string): Promise<Record<string, number>> {
  const rows = await env.db
    .selectFrom('task_states')
    .innerJoin('runs', 'runs.id', 'task_states.run_id')
    .select((eb) => [eb.fn.coalesce('task_states.map_of', 'task_states.task_id').as('task'), 'task_states.map_of', 'task_states.status', eb.fn.countAll<number>().as('n')])
    .where('runs.workflow', '=', workflow)
    .groupBy(['task_states.map_of', 'task_states.task_id', 'task_states.status'])
    .execute()
  const out: Record<string, number> = {}
  for (const r of rows) {
    const key = `${r.map_of ? `${r.map_of}[]` : r.task}:${r.status}`
    out[key] = (out[key] ?? 0) + Number(r.n)
  }
  return out
}

/** Waits for the workflow's run to end; a timeout throws with the run's task statuses. */
async function waitForEnd(env: BenchEnv, workflow: string, timeoutMs: number): Promise<string> {
  try {
    await until(async () => ['succeeded', 'failed', 'cancelled'].includes((await runStatus(env, workflow)) ?? ''), timeoutMs, `${workflow} run to end`)
  } catch (e) {
    throw new Error(`${(e as Error).message}: run ${await runStatus(env, workflow)}, tasks ${JSON.stringify(await taskCounts(env, workflow))}`)
  }
  return (await runStatus(env, workflow))!
}

/** Time from the list task's result to every instance command received, and to the reducer's command. */
async function mapFanout(emit: Emit, n: (x: number) => number): Promise<void> {
  const env = await benchEnv('map_fanout')
  try {
    const instances = n(10_000)
    await deploy(env, { name: 'mapfan', tasks: { list: { queue: 'list' }, load: { queue: 'load', map: 'list' }, reduce: { queue: 'reduce', after: ['load'] } } })
    let listDone = 0
    let first = 0
    let last = 0
    let reduceAt = 0
    let reduceInputLength = -1
    const seen = new Map<string, number>()
    let wrongElements = 0
    const list = await noopWorker(env, 'list', { output: () => digits(instances), beforeSucceed: () => (listDone = performance.now()) })
    const load = await noopWorker(env, 'load', {
      onCommand: (cmd: TaskCommand, at) => {
        first ||= at
        last = at
        seen.set(cmd.taskId, (seen.get(cmd.taskId) ?? 0) + 1)
        if (!cmd.map || cmd.taskId !== `load[${cmd.map.index}]` || cmd.map.element !== cmd.map.index % 10) wrongElements++
      },
    })
    const reduce = await noopWorker(env, 'reduce', {
      onCommand: (cmd, at) => {
        reduceAt ||= at
        const input = cmd.inputs.load
        reduceInputLength = Array.isArray(input) ? input.length : -1
      },
    })
    const coordinator = spawnCoordinator(env)
    let status = ''
    try {
      await new Promise((r) => setTimeout(r, 1500))
      await requestRun(env, 'mapfan')
      status = await waitForEnd(env, 'mapfan', 300_000)
    } finally {
      await stopChild(coordinator)
      await list.stop()
      await load.stop()
      await reduce.stop()
    }
    const commands = [...seen.values()].reduce((a, b) => a + b, 0)
    const dupes = await duplicateTransitions(env.db)
    emit({
      bench: 'map_fanout',
      instances,
      first_instance_ms: r3(first - listDone),
      all_instances_ms: r3(last - listDone),
      reducer_start_ms: r3(reduceAt - listDone),
      instances_per_s: Math.round(instances / ((reduceAt - listDone) / 1000)),
      run: status,
      distinct_instances: seen.size,
      redelivered_commands: commands - seen.size,
      wrong_commands: wrongElements,
      reducer_input_length: reduceInputLength,
      duplicate_transitions: dupes.length,
      note: 'from the list result published (no-op worker) to each command received; instances answered at once',
    })
  } finally {
    await env.close()
  }
}

interface MemoryRun {
  before: number
  peak: number
  after: number
  /** RSS at each tenth of the run's time. */
  tenths: number[]
  seconds: number
  status: string
}

/**
 * One run of a mapped workflow on a coordinator process of its own, started for it: its RSS
 * before the run is requested (the coordinator settled), every 200 ms until the run ends, and
 * at the end.
 */
async function sampledMap(env: BenchEnv, workflow: string, timeoutMs: number): Promise<MemoryRun> {
  const coordinator = spawnCoordinator(env)
  try {
    const pid = coordinator.pid!
    await new Promise((r) => setTimeout(r, 1500))
    const before = rssMiB(pid)
    const samples: { at: number; rss: number }[] = []
    let sampling = true
    const start = performance.now()
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: performance.now() - start, rss: rssMiB(pid) })
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    let status: string
    let seconds: number
    try {
      await requestRun(env, workflow)
      status = await waitForEnd(env, workflow, timeoutMs)
      seconds = (performance.now() - start) / 1000
    } finally {
      sampling = false
      await sampler
    }
    const after = rssMiB(pid)
    samples.push({ at: seconds * 1000, rss: after })
    const tenths = Array.from({ length: 10 }, (_, i) => samples.findLast((s) => s.at <= ((i + 1) * seconds * 1000) / 10)?.rss ?? before)
    return { before, peak: Math.max(before, ...samples.map((s) => s.rss)), after, tenths, seconds, status }
  } finally {
    await stopChild(coordinator)
  }
}

/**
 * The coordinator's RSS over a 100,000-instance map beside a 10,000-instance one, each on a
 * fresh coordinator process (same start-up heap), the reducer getting the summary (`reduce`).
 */
async function mapMemory(emit: Emit, n: (x: number) => number): Promise<void> {
  const env = await benchEnv('map_memory')
  try {
    const big = n(100_000)
    const small = n(10_000)
    const sizes: Record<string, number> = { map_small: small, map_big: big }
    for (const [name, count] of Object.entries(sizes)) {
      await deploy(env, { name, maxMapInstances: Math.max(100_000, count), tasks: { list: { queue: 'list' }, load: { queue: 'load', map: { from: 'list', reduce: true } }, reduce: { queue: 'reduce', after: ['load'] } } })
    }
    const reduced = new Map<string, unknown>()
    const list = await noopWorker(env, 'list', { output: (cmd) => digits(sizes[cmd.workflow]!) })
    const load = await noopWorker(env, 'load')
    const reduce = await noopWorker(env, 'reduce', { onCommand: (cmd) => reduced.set(cmd.workflow, cmd.inputs.load) })
    try {
      const s = await sampledMap(env, 'map_small', 300_000)
      const b = await sampledMap(env, 'map_big', 900_000)
      const dupes = await duplicateTransitions(env.db)
      emit({
        bench: 'map_memory',
        instances: big,
        rss_before_mib: b.before,
        rss_peak_mib: b.peak,
        rss_after_mib: b.after,
        rss_mib_each_tenth: b.tenths,
        total_s: r3(b.seconds),
        instances_per_s: Math.round(big / b.seconds),
        run: b.status,
        reduced: reduced.get('map_big'),
        instances_10k: small,
        before_10k_mib: s.before,
        peak_10k_mib: s.peak,
        after_10k_mib: s.after,
        total_10k_s: r3(s.seconds),
        run_10k: s.status,
        reduced_10k: reduced.get('map_small'),
        duplicate_transitions: dupes.length,
        note: 'a fresh coordinator process per map; RSS every 200 ms from before the run is requested to its end; total from the request',
      })
    } finally {
      await list.stop()
      await load.stop()
      await reduce.stop()
    }
  } finally {
    await env.close()
  }
}

/** Mapped tasks: fan-out of a 10,000-instance map, and the coordinator's memory over a 100,000-instance one. */
export async function mapBench(emit: Emit, n: (x: number) => number): Promise<void> {
  await mapFanout(emit, n)
  await mapMemory(emit, n)
}
