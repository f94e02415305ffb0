// The JetStream + Postgres floor's driver: not a peer but Baton's own transport and store with no
// orchestration (floor-coordinator.ts, worker-floor.ts): one completion and one command through
// JetStream per task, one Postgres row per event in one transaction per batch. What Baton cannot
// beat on this machine without leaving NATS and Postgres; the table shows Baton's ratio to it.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ensureConsumer, newId, publishJson } from '@baton/shared'
import { sql } from 'kysely'
// eslint-disable-next-line import-x/no-relative-packages
import { benchEnv } from '../harness.js'
import { stopProcess, trackChild } from './children.js'
import { floorSubjects, type FloorEvent } from './floor-protocol.js'
import type { System } from './system.js'

const HELPER = fileURLToPath(new URL('./floor-coordinator.ts', import.meta.url))

/** The floor, one namespace per repetition. */
export const floor: System = {
  name: 'floor',
  version: 'JetStream + Postgres, no orchestration',
  async open(sizes) {
    const env = await benchEnv('floor')
    const f = floorSubjects(env.subjects)
    const requested = new Map<string, number>()
    try {
      await ensureConsumer(env.jsm, env.subjects.eventsStream, f.eventsConsumer, f.events)
      await ensureConsumer(env.jsm, env.subjects.commandsStream, f.commandsConsumer, f.commands)
      await sql`CREATE TABLE bench_floor_log (id bigserial PRIMARY KEY, workload text NOT NULL, tag text NOT NULL, kind text NOT NULL, at timestamptz NOT NULL DEFAULT now())`.execute(env.db)
    } catch (e) {
      await env.close()
      throw e
    }
    return {
      workerEnv: env.env,
      connection: env.config.namespace,
      startHelper() {
        const child = spawn(process.execPath, [...process.execArgv, HELPER], { env: env.env, stdio: ['ignore', 2, 2] })
        trackChild(child)
        return { pid: child.pid ?? -1, stop: () => stopProcess(child) }
      },
      async enqueue(workload, tag, size) {
        // Throughput: as many requests as Baton has runs, each for tputWidth tasks (like Baton's runs).
        const requests = workload === 'throughput' ? Math.max(1, Math.round(size / sizes.tputWidth)) : 1
        const each = workload === 'throughput' ? Math.round(size / requests) : size
        for (let i = 0; i < requests; i++) {
          const id = newId()
          await publishJson(env.js, f.events, id, { type: 'request', workload, tag, size: each } satisfies FloorEvent)
        }
        // Completions to be written: chain steps, parent + children + join, independent tasks.
        const key = `${workload}/${tag}`
        requested.set(key, (requested.get(key) ?? 0) + (workload === 'fanout' ? size + 2 : size))
      },
      async settled(workload) {
        const rows = await sql<{ tag: string; n: string }>`SELECT tag, count(*) AS n FROM bench_floor_log WHERE workload = ${workload} AND kind <> 'request' GROUP BY tag`.execute(env.db)
        for (const [key, n] of requested) {
          const [w, tag] = key.split('/')
          if (w !== workload) continue
          if (Number(rows.rows.find((r) => r.tag === tag)?.n ?? 0) < n) return false
        }
        return true
      },
      close: () => env.close(),
    }
  },
}
