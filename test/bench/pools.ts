import { setPool } from '@baton/shared'
import { sql } from 'kysely'
import { benchEnv, deploy, noopWorker, r3, requestRun, spawnCoordinator, stopChild, until, type BenchEnv } from './harness.js'

// `make bench` pool admission: no-op tasks through a pool under contention (every task of many
// runs wants one of 8 slots) against the same tasks with no pool, in one namespace and one run.

const SLOTS = 8
const WIDTH = 50

async function runAll(env: BenchEnv, workflow: string, runs: number): Promise<{ seconds: number; maxHeld: number; maxWaiting: number }> {
  let maxHeld = 0
  let maxWaiting = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const r = await sql<{ held: number; waiting: number }>`SELECT coalesce((SELECT sum(slots) FROM task_slot_holds), 0)::int AS held, (SELECT count(*) FROM task_slot_waits)::int AS waiting`.execute(env.db)
      maxHeld = Math.max(maxHeld, r.rows[0]!.held)
      maxWaiting = Math.max(maxWaiting, r.rows[0]!.waiting)
      await new Promise((res) => setTimeout(res, 20))
    }
  })()
  const start = performance.now()
  for (let i = 0; i < runs; i++) await requestRun(env, workflow)
  await until(async () => {
    const r = await env.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow', '=', workflow).where('status', '=', 'succeeded').executeTakeFirst()
    return Number(r?.n) === runs
  }, 600_000, `${workflow} runs to finish`)
  const seconds = (performance.now() - start) / 1000
  sampling = false
  await sampler
  return { seconds, maxHeld, maxWaiting }
}

/** Tasks per second through a contended pool, beside the same tasks without one. */
export async function poolBench(emit: (line: Record<string, unknown>) => void, n: (x: number) => number): Promise<void> {
  const env = await benchEnv('pools')
  try {
    await setPool(env.db, { name: 'bench_pool', slots: SLOTS }, 'bench')
    const tasks = (pool: boolean) => Object.fromEntries(Array.from({ length: WIDTH }, (_, i) => [`t${i}`, { queue: 'bench', ...(pool ? { pool: 'bench_pool' } : {}) }]))
    await deploy(env, { name: 'pooled', tasks: tasks(true) })
    await deploy(env, { name: 'free', tasks: tasks(false) })
    const runs = n(100)
    const worker = await noopWorker(env, 'bench')
    const coordinator = spawnCoordinator(env)
    try {
      await new Promise((r) => setTimeout(r, 1500))
      const free = await runAll(env, 'free', runs)
      const pooled = await runAll(env, 'pooled', runs)
      emit({
        bench: 'pool_admission',
        tasks: runs * WIDTH,
        slots: SLOTS,
        tasks_per_s_pooled: Math.round((runs * WIDTH) / pooled.seconds),
        tasks_per_s_no_pool: Math.round((runs * WIDTH) / free.seconds),
        ratio: r3(free.seconds / pooled.seconds),
        max_slots_held: pooled.maxHeld,
        max_waiting: pooled.maxWaiting,
        note: 'every task wants one of 8 slots; held never above slots',
      })
    } finally {
      await stopChild(coordinator)
      await worker.stop()
    }
  } finally {
    await env.close()
  }
}
