// What run.ts needs from each system's driver (graphile-worker.ts, pg-boss.ts, bullmq.ts, baton.ts).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Sizes, SystemName, Tag, Workload } from './common.js'

/** One system under test. */
export interface System {
  readonly name: SystemName
  /** Version of the library (Baton: the commit). */
  readonly version: string
  /** Fresh storage for one repetition (a database, a namespace); `workloads` are the ones it will run. */
  open(sizes: Sizes, workloads: readonly Workload[]): Promise<SystemRep>
}

/** A system's storage and client for one repetition. */
export interface SystemRep {
  /** Environment of this repetition's worker processes. */
  readonly workerEnv: Record<string, string | undefined>
  /** Connection details handed to the worker (WorkerSpec.connection). */
  readonly connection: string
  /** Starts what a workload run needs besides its worker (Baton: one coordinator); returns its pid. */
  startHelper?(): { pid: number; stop(): Promise<void> }
  /** Requests the workload's `tag` work of `size` tasks; resolves once the request is stored. */
  enqueue(workload: Workload, tag: Tag, size: number): Promise<void>
  /** Whether the system has recorded all requested work as complete (throws on a failed run). */
  settled(workload: Workload): Promise<boolean>
  /** Drops the repetition's storage and closes connections. */
  close(): Promise<void>
}

const require = createRequire(import.meta.url)

/** Version of an installed npm package: the package.json above the file its name resolves to. */
export function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === name && pkg.version) return pkg.version
    } catch {
      // no package.json here: go up
    }
    const up = dirname(dir)
    if (up === dir) return 'unknown'
    dir = up
  }
}
