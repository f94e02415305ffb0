import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { compileWorkflow, deployWorkflow, decodeJson, ensureConsumer, newId, publishJson, type TaskCommand } from '@baton/shared'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'

/** A benchmark namespace: a test namespace plus the coordinators' consumer, made up front. */
export type BenchEnv = TestNamespace

/** The NATS side of a namespace: all a no-op worker needs (a worker process builds only this). */
export type BenchNats = Pick<BenchEnv, 'subjects' | 'js' | 'jsm'>

/** Creates a fresh namespace for one benchmark. */
export async function benchEnv(label: string): Promise<BenchEnv> {
  const env = await createTestNamespace(`bench_${label}`)
  // Events published before a coordinator starts must wait for it.
  await ensureConsumer(env.jsm, env.subjects.eventsStream, env.subjects.coordinatorConsumer, env.subjects.events)
  return env
}

const BATON_BIN = fileURLToPath(new URL('../../services/cli/bin/baton.js', import.meta.url))

/**
 * Starts `baton coordinator` as a child process (its own event loop, as in production).
 * BENCH_COORDINATOR_NODE_ARGS adds Node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile it (NODE_OPTIONS refuses --cpu-prof).
 */
export function spawnCoordinator(env: BenchEnv): ChildProcess {
  const nodeArgs = (process.env.BENCH_COORDINATOR_NODE_ARGS ?? '').split(' ').filter(Boolean)
  return spawn(process.execPath, [...nodeArgs, BATON_BIN, 'coordinator'], {
    // Metrics off: two coordinators would compete for the default port.
    env: { ...process.env, BATON_NAMESPACE: env.config.namespace, BATON_LOG_LEVEL: 'warn', BATON_METRICS_PORT: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
}

/** Stops a child and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

/** Deploys a workflow definition. */
export async function deploy(env: BenchEnv, definition: unknown): Promise<void> {
  await deployWorkflow(env.db, compileWorkflow(definition))
}

/** Publishes a run request. */
export async function requestRun(env: BenchEnv, workflow: string, key = newId()): Promise<void> {
  const id = newId()
  await publishJson(env.js, env.subjects.runRequested, id, { id, workflow, idempotencyKey: key })
}

/**
 * A no-op worker speaking the wire protocol directly (no SDK overhead in the measurement). For
 * each command it does what the SDK does for an instant handler: by default (`implied`) it
 * publishes `succeeded` alone, carrying the start (the deferred start), and acks the command
 * once JetStream stored it; with `reported` (the SDK with startedAfterMs 0) it publishes
 * `started` then `succeeded`. `onCommand` sees each command when it arrives (with its payload
 * size), `beforeSucceed` stamps the completion time, `output` gives the result's output (default null).
 */
export async function noopWorker(
  env: BenchNats,
  queue: string,
  hooks: { onCommand?: (cmd: TaskCommand, receivedAt: number, bytes: number) => void; beforeSucceed?: (cmd: TaskCommand) => void; output?: (cmd: TaskCommand) => unknown; start?: 'implied' | 'reported' } = {},
): Promise<{ stop(): Promise<void> }> {
  const durable = env.subjects.workerConsumer(queue)
  await ensureConsumer(env.jsm, env.subjects.commandsStream, durable, env.subjects.command(queue), { maxAckPending: 50_000 })
  const consumer = await env.js.consumers.get(env.subjects.commandsStream, durable)
  const messages = await consumer.consume({ max_messages: 2000 })
  const done = (async () => {
    for await (const m of messages) {
      const received = performance.now()
      const cmd = decodeJson(m.data) as TaskCommand
      hooks.onCommand?.(cmd, received, m.data.length)
      const base = { runId: cmd.runId, taskId: cmd.taskId, attempt: cmd.attempt, workerId: 'bench' }
      if (hooks.start !== 'reported') {
        hooks.beforeSucceed?.(cmd)
        const id = newId()
        void publishJson(env.js, env.subjects.task(cmd.runId), id, { id, ...base, type: 'succeeded', output: hooks.output?.(cmd) ?? null, startedAt: new Date().toISOString() })
          .then(() => m.ack())
          .catch(() => {})
        continue
      }
      m.ack()
      const startedId = newId()
      void publishJson(env.js, env.subjects.task(cmd.runId), startedId, { id: startedId, ...base, type: 'started' })
        .then(() => {
          hooks.beforeSucceed?.(cmd)
          const id = newId()
          return publishJson(env.js, env.subjects.task(cmd.runId), id, { id, ...base, type: 'succeeded', output: hooks.output?.(cmd) ?? null })
        })
        .catch(() => {})
    }
  })()
  return {
    async stop() {
      messages.stop()
      await done
    },
  }
}

/** Percentile of a sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Rounds to 3 decimals for printing. */
export function r3(n: number): number {
  return Math.round(n * 1000) / 1000
}

/** Waits until `check` is truthy. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
