import { attemptSpanId, traceparentFor, type Subjects, type TaskCommand } from '@baton/shared'
import type { OutboxMessage } from '../db/outbox.js'
import type { RunWork } from './run-work.js'
import type { CommandPayload } from './command-inputs.js'

/**
 * The id of the command for one attempt. Deterministic, so a decision recomputed after a crash
 * before commit yields the same `Nats-Msg-Id` and JetStream drops the duplicate.
 */
export function commandId(runId: string, taskId: string, attempt: number): string {
  return `${runId}.${taskId}.${attempt}`
}

/** Builds the outbox message of a task command: its upstream outputs by task id, and an instance's element (commandPayloads). */
export function buildCommand(work: RunWork, taskId: string, attempt: number, payload: CommandPayload, subjects: Subjects, now: Date): OutboxMessage {
  const def = work.workflow.tasks.get(taskId)!
  const runId = work.view.id
  const traceparent = traceparentFor(runId, attemptSpanId(runId, taskId, attempt))
  const sts = def.timeouts.scheduleToStartMs
  const command: TaskCommand = {
    id: commandId(runId, taskId, attempt),
    runId,
    taskId,
    attempt,
    workflow: work.view.workflow,
    partition: work.view.partition,
    params: (work.row.params ?? {}) as Record<string, unknown>,
    inputs: payload.inputs,
    idempotencyKey: `${runId}.${taskId}`,
    // The time by which the attempt must start; the execution budget is task.executionMs from start.
    deadline: sts === undefined ? null : new Date(now.getTime() + sts).toISOString(),
    traceparent,
    queue: def.queue,
    task: {
      handler: def.handler,
      kind: def.kind,
      ...(def.run ? { run: def.run as Record<string, unknown> } : {}),
      heartbeatMs: def.timeouts.heartbeatMs,
      ...(def.timeouts.executionMs !== undefined ? { executionMs: def.timeouts.executionMs } : {}),
    },
    ...(payload.map ? { map: payload.map } : {}),
  }
  return { transport: 'jetstream', subject: subjects.command(def.queue), msgId: command.id, payload: command, traceparent }
}
