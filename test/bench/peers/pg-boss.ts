// pg-boss's driver: a fresh database per repetition, its queues created up front (pg-boss 10
// requires it), jobs sent with `send` / `insert`; the worker process is worker-pg-boss.ts.
import PgBoss from 'pg-boss'
import { WORKLOADS } from './common.js'
import { createDatabase, dropDatabase } from './pg-databases.js'
import { pgBossQueues } from './settings.js'
import { packageVersion, type System } from './system.js'

/** pg-boss, driven through its public API. */
export const pgBoss: System = {
  name: 'pg-boss',
  version: packageVersion('pg-boss'),
  async open() {
    const db = await createDatabase('pgboss')
    // The driver only sends: no maintenance or cron here (the worker's instance supervises).
    const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 })
    boss.on('error', (e) => console.error(`pg-boss (driver): ${String(e)}`))
    try {
      await boss.start()
      for (const w of WORKLOADS) for (const q of Object.keys(pgBossQueues(w))) await boss.createQueue(q)
      // The fan-out's join counter: one row per fan-out, decremented by each child.
      await boss.getDb().executeSql('CREATE TABLE bench_fanout (tag text PRIMARY KEY, remaining int NOT NULL)', [])
    } catch (e) {
      await boss.stop({ graceful: false, wait: true }).catch(() => {})
      await dropDatabase(db.name)
      throw e
    }
    return {
      workerEnv: process.env,
      connection: db.url,
      async enqueue(workload, tag, size) {
        if (workload === 'chain') await boss.send('chain', { tag, i: 0 })
        else if (workload === 'fanout') await boss.send('fan_parent', { tag, n: size })
        else await boss.insert(Array.from({ length: size }, () => ({ name: 'tput', data: { tag } })))
      },
      async settled() {
        const { rows } = await boss.getDb().executeSql("SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active')", [])
        return (rows[0] as { n: number } | undefined)?.n === 0
      },
      async close() {
        await boss.stop({ graceful: false, wait: true })
        await dropDatabase(db.name)
      },
    }
  },
}
