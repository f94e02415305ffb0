import { decodeJson, ensureConsumer, newId, publishJson, type TaskCommand, type TaskError } from '@baton/shared'
import type { TestNamespace } from './namespace.js'

/** What the scripted worker does with one command. */
export type ScriptedAction =
  | { succeed: unknown; delayMs?: number }
  | { fail: Partial<TaskError> & { message: string }; delayMs?: number }
  /** Report started, then nothing (a worker that dies or hangs). */
  | { hang: true }

/** One command the scripted worker received. */
export interface Execution {
  runId: string
  taskId: string
  attempt: number
  inputs: Record<string, unknown>
  receivedAt: number
  finishedAt?: number
}

/**
 * A worker that speaks the wire protocol directly and does what a script says per command. It
 * is a real NATS participant (no mocks), used where a test needs exact control of what a worker
 * reports and when; the worker SDK has its own tests.
 */
export async function startScriptedWorker(
  ns: TestNamespace,
  queue: string,
  script: (cmd: TaskCommand) => ScriptedAction,
  workerId = `scripted-${queue}`,
): Promise<{ executions: Execution[]; stop(): Promise<void> }> {
  const durable = ns.subjects.workerConsumer(queue)
  await ensureConsumer(ns.jsm, ns.subjects.commandsStream, durable, ns.subjects.command(queue))
  const consumer = await ns.js.consumers.get(ns.subjects.commandsStream, durable)
  const messages = await consumer.consume({ max_messages: 100 })
  const executions: Execution[] = []
  const pending = new Set<Promise<unknown>>()
  const loop = (async () => {
    for await (const m of messages) {
      const cmd = decodeJson(m.data) as TaskCommand
      const exec: Execution = { runId: cmd.runId, taskId: cmd.taskId, attempt: cmd.attempt, inputs: cmd.inputs, receivedAt: Date.now() }
      executions.push(exec)
      const base = { runId: cmd.runId, taskId: cmd.taskId, attempt: cmd.attempt, workerId }
      const startedId = newId()
      try {
        await publishJson(ns.js, ns.subjects.task(cmd.runId), startedId, { id: startedId, ...base, type: 'started' })
      } catch {
        continue // not acked: JetStream redelivers the command
      }
      m.ack()
      const action = script(cmd)
      if ('hang' in action) continue
      const p = (async () => {
        if (action.delayMs) await new Promise((r) => setTimeout(r, action.delayMs))
        exec.finishedAt = Date.now()
        const id = newId()
        const body =
          'succeed' in action
            ? { id, ...base, type: 'succeeded', output: action.succeed }
            : { id, ...base, type: 'failed', error: { retryable: true, kind: 'error', ...action.fail } }
        await publishJson(ns.js, ns.subjects.task(cmd.runId), id, body)
      })().catch(() => {
        // The connection closed (test over, or an outage under test): the coordinator's
        // timeouts own what happens to this attempt.
      })
      pending.add(p)
      void p.finally(() => pending.delete(p))
    }
  })()
  return {
    executions,
    async stop() {
      messages.stop()
      await loop
      await Promise.allSettled([...pending])
    },
  }
}
