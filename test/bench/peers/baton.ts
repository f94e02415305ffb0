// Baton's driver, used as a user uses it: workflow definitions deployed (compileWorkflow +
// deployWorkflow, via make bench's harness), one `baton coordinator` child per workload run, runs
// requested over NATS; the worker process (worker-baton.ts) calls startWorker from @baton/sdk.
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
// The bench package stands beside the root package's `make bench` on purpose: the same namespace
// (createTestNamespace + the coordinator's consumer), deploy and run request, not copies of them.
// eslint-disable-next-line import-x/no-relative-packages
import { benchEnv, deploy, requestRun } from '../harness.js'
import { stopProcess, trackChild } from './children.js'
import { BATON_QUEUE, type Sizes, type Tag, type Workload } from './common.js'
import type { System } from './system.js'

const BATON_BIN = fileURLToPath(new URL('../../../services/cli/bin/baton.js', import.meta.url))

type Tasks = Record<string, { queue: string; handler: string; after?: string[] }>
const task = (after?: string[]) => ({ queue: BATON_QUEUE, handler: 'noop', ...(after ? { after } : {}) })

/** The workflow of `workload`, tagged: `chain`, `chain_warm`, …; `size` tasks (plus a fan-out's parent and join). */
function definition(workload: Workload, tag: Tag, size: number) {
  const tasks: Tasks = {}
  if (workload === 'chain') {
    for (let i = 0; i < size; i++) tasks[`t${i}`] = task(i > 0 ? [`t${i - 1}`] : undefined)
  } else if (workload === 'fanout') {
    tasks.parent = task()
    for (let i = 0; i < size; i++) tasks[`c${i}`] = task(['parent'])
    tasks.join = task(Array.from({ length: size }, (_, i) => `c${i}`))
  } else {
    for (let i = 0; i < size; i++) tasks[`w${i}`] = task()
  }
  return { name: workflowName(workload, tag), tasks }
}

/** The workflow name of a workload's warm-up or measured run; the worker tells them apart by it. */
export function workflowName(workload: Workload, tag: Tag): string {
  return tag === 'warm' ? `${workload}_warm` : workload
}

/** The commit Baton is built from (`+wip` when the work tree has changes). */
function batonVersion(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    return `git ${sha}${dirty ? '+wip' : ''}`
  } catch {
    return 'unknown'
  }
}

/** Baton, one namespace per repetition. */
export function baton(warm: (w: Workload, sizes: Sizes) => number): System {
  return {
    name: 'baton',
    version: batonVersion(),
    async open(sizes, workloads) {
      const env = await benchEnv('peers')
      const requested = new Map<string, number>()
      try {
        for (const w of workloads) {
          // Throughput: the same independent tasks as many runs of one `tputWidth`-wide workflow.
          const size = w === 'throughput' ? sizes.tputWidth : sizes[w]
          await deploy(env, definition(w, 'main', size))
          await deploy(env, definition(w, 'warm', w === 'throughput' ? sizes.tputWidth : warm(w, sizes)))
        }
      } catch (e) {
        await env.close()
        throw e
      }
      return {
        workerEnv: env.env,
        connection: env.config.namespace,
        startHelper() {
          // Like harness.spawnCoordinator, but its stdout goes to our stderr: stdout is JSON lines.
          const child = spawn(process.execPath, [BATON_BIN, 'coordinator'], {
            env: { ...env.env, BATON_LOG_LEVEL: 'warn' },
            stdio: ['ignore', 2, 2],
          })
          trackChild(child)
          return { pid: child.pid ?? -1, stop: () => stopProcess(child) }
        },
        async enqueue(workload, tag, size) {
          const name = workflowName(workload, tag)
          const runs = workload === 'throughput' ? Math.round(size / sizes.tputWidth) : 1
          // Back to back: each request is published once the previous one is stored (PubAck).
          for (let i = 0; i < runs; i++) await requestRun(env, name)
          requested.set(name, (requested.get(name) ?? 0) + runs)
        },
        async settled() {
          const rows = await env.db.selectFrom('runs').select(['workflow', 'status']).select((eb) => eb.fn.countAll<string>().as('n')).groupBy(['workflow', 'status']).execute()
          const bad = rows.filter((r) => r.status === 'failed' || r.status === 'cancelled')
          if (bad.length > 0) throw new Error(`Baton runs ended badly: ${bad.map((r) => `${r.n} ${r.workflow} ${r.status}`).join(', ')}`)
          for (const [name, n] of requested) {
            const done = rows.find((r) => r.workflow === name && r.status === 'succeeded')
            if (Number(done?.n ?? 0) < n) return false
          }
          return true
        },
        close: () => env.close(),
      }
    },
  }
}
