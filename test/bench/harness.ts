import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  compileWorkflow,
  connectNats,
  createDb,
  decodeJson,
  dropNamespaceSchema,
  ensureConsumer,
  ensureDatabase,
  ensureStreams,
  jetstreamClient,
  loadConfig,
  migrateToLatest,
  newId,
  publishJson,
  subjectsFor,
  type BatonConfig,
  type Db,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type Subjects,
  type TaskCommand,
} from '@baton/shared'
import { deployWorkflow } from '@baton/coordinator'

/** A benchmark namespace with its connections. */
export interface BenchEnv {
  config: BatonConfig
  subjects: Subjects
  db: Db
  nc: NatsConnection
  js: JetStreamClient
  jsm: JetStreamManager
  close(): Promise<void>
}

/** Creates a fresh namespace for one benchmark. */
export async function benchEnv(label: string): Promise<BenchEnv> {
  const ns = `bench_${label}_${randomBytes(3).toString('hex')}`
  const config = loadConfig(process.env, { namespace: ns, logLevel: 'warn' })
  await ensureDatabase(config.databaseUrl)
  await migrateToLatest(config.databaseUrl, ns)
  const subjects = subjectsFor(ns)
  const nc = await connectNats(config.natsUrl, `bench-${ns}`)
  const jsm = await ensureStreams(nc, subjects)
  await ensureConsumer(jsm, subjects.eventsStream, subjects.coordinatorConsumer, subjects.events)
  const db = createDb(config.databaseUrl, ns)
  return {
    config,
    subjects,
    db,
    nc,
    js: jetstreamClient(nc),
    jsm,
    async close() {
      await db.destroy()
      for (const s of [subjects.eventsStream, subjects.commandsStream, subjects.alertsStream]) await jsm.streams.delete(s).catch(() => {})
      await nc.drain().catch(() => {})
      await dropNamespaceSchema(config.databaseUrl, ns)
    },
  }
}

const BATON_BIN = fileURLToPath(new URL('../../services/cli/bin/baton.js', import.meta.url))

/** Starts `baton coordinator` as a child process (its own event loop, as in production). */
export function spawnCoordinator(env: BenchEnv): ChildProcess {
  return spawn(process.execPath, [BATON_BIN, 'coordinator'], {
    env: { ...process.env, BATON_NAMESPACE: env.config.namespace, BATON_LOG_LEVEL: 'warn' },
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
 * A no-op worker speaking the wire protocol directly (no SDK overhead in the measurement):
 * for each command it reports `started` then `succeeded`. `onCommand` sees each command when
 * it arrives, `beforeSucceed` stamps the completion time.
 */
export async function noopWorker(
  env: BenchEnv,
  queue: string,
  hooks: { onCommand?: (cmd: TaskCommand, receivedAt: number) => void; beforeSucceed?: (cmd: TaskCommand) => void } = {},
): Promise<{ stop(): Promise<void> }> {
  const durable = env.subjects.workerConsumer(queue)
  await ensureConsumer(env.jsm, env.subjects.commandsStream, durable, env.subjects.command(queue), { maxAckPending: 50_000 })
  const consumer = await env.js.consumers.get(env.subjects.commandsStream, durable)
  const messages = await consumer.consume({ max_messages: 2000 })
  const done = (async () => {
    for await (const m of messages) {
      const received = performance.now()
      const cmd = decodeJson(m.data) as TaskCommand
      hooks.onCommand?.(cmd, received)
      m.ack()
      const base = { runId: cmd.runId, taskId: cmd.taskId, attempt: cmd.attempt, workerId: 'bench' }
      const startedId = newId()
      void publishJson(env.js, env.subjects.task(cmd.runId), startedId, { id: startedId, ...base, type: 'started' })
        .then(() => {
          hooks.beforeSucceed?.(cmd)
          const id = newId()
          return publishJson(env.js, env.subjects.task(cmd.runId), id, { id, ...base, type: 'succeeded', output: null })
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
