// graphile-worker's driver: a fresh database per repetition, jobs added with its WorkerUtils
// (addJob / addJobs), the worker process is worker-graphile-worker.ts.
import { Logger, makeWorkerUtils } from 'graphile-worker'
import pg from 'pg'
import { createDatabase, dropDatabase } from './pg-databases.js'
import { packageVersion, type System } from './system.js'

/** graphile-worker's logger, quiet but for warnings and errors (its info lines would drown the output). */
export const quietGraphileLogger = new Logger(() => (level, message) => {
  if (String(level) === 'error' || String(level) === 'warning') console.error(`graphile-worker ${level}: ${message}`)
})

/** graphile-worker, driven through its public API. */
export const graphileWorker: System = {
  name: 'graphile-worker',
  version: packageVersion('graphile-worker'),
  async open() {
    const db = await createDatabase('graphile')
    const utils = await makeWorkerUtils({ connectionString: db.url, logger: quietGraphileLogger })
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    try {
      await utils.migrate()
      // The fan-out's join counter: one row per fan-out, decremented by each child.
      await pool.query('CREATE TABLE bench_fanout (tag text PRIMARY KEY, remaining int NOT NULL)')
    } catch (e) {
      await utils.release()
      await pool.end()
      await dropDatabase(db.name)
      throw e
    }
    return {
      workerEnv: process.env,
      connection: db.url,
      async enqueue(workload, tag, size) {
        if (workload === 'chain') await utils.addJob('chain', { tag, i: 0 })
        else if (workload === 'fanout') await utils.addJob('fan_parent', { tag, n: size })
        else await utils.addJobs(Array.from({ length: size }, () => ({ identifier: 'tput', payload: { tag } })))
      },
      async settled() {
        // Completed jobs are deleted; anything left is queued, running or failed.
        const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker._private_jobs')
        return rows[0]?.n === 0
      },
      async close() {
        await utils.release()
        await pool.end()
        await dropDatabase(db.name)
      },
    }
  },
}
