import type { Subjects } from '@baton/shared'
import type { Prng } from './prng.js'
import { GATED_SOURCES, QUEUE } from './workflows.js'

/**
 * Junk published at every subject the coordinator consumes (and at the workers' command queue
 * and the coordinators' attempt-owner subject), with what must become of each message
 * (services/coordinator/src/consume/parse-message.ts and lifecycle/run-machine.ts decide):
 * - `dead_letter`: malformed, invalid, oversized-but-storable, unknown run/workflow/source/
 *   backfill, wrong subject — recorded in `dead_letters` (subject + Nats-Msg-Id) with a reason;
 * - `ignored`: well-formed but stale (a finished run's events replayed in reverse order under new
 *   ids, a future attempt number, an event for a cancelled run) — a history row of kind
 *   `ignored` with the event's id, and no transition;
 * - `duplicate`: a real event re-published under its own Nats-Msg-Id — JetStream drops it
 *   (PubAck `duplicate`);
 * - `refused`: larger than the server's max_payload — refused at publish, never delivered;
 * - `none`: core-NATS and command-queue junk — nothing is recorded; no process may die of it.
 */

/** Junk classes. */
export const JUNK_CLASSES = [
  'non_json',
  'wrong_shape',
  'huge',
  'oversize',
  'nul_raw',
  'nul_escaped',
  'unknown_run',
  'unknown_workflow',
  'unknown_source',
  'unknown_subject',
  'subject_mismatch',
  'cancel_unknown_run',
  'backfill_unknown_workflow',
  'backfill_cancel_unknown',
  'replay_reordered',
  'replay_same_msgid',
  'future_attempt',
  'cancelled_run_event',
  'control_junk',
  'command_junk',
] as const
/** A junk class. */
export type JunkClass = (typeof JUNK_CLASSES)[number]

/** What must become of a junk message. */
export type JunkExpectation = 'dead_letter' | 'ignored' | 'duplicate' | 'refused' | 'none'

/** One junk message, ready to publish. */
export interface JunkMessage {
  readonly junk: JunkClass
  readonly subject: string
  /** Nats-Msg-Id (JetStream messages). */
  readonly msgId: string | null
  readonly data: Uint8Array
  readonly transport: 'jetstream' | 'core'
  readonly expect: JunkExpectation
  /** The body's `id` (for `ignored`: the history row's event_id). */
  readonly eventId?: string
}

/** A task event seen on the wire (captured by the harness). */
export interface SeenTaskEvent {
  readonly subject: string
  readonly msgId: string
  readonly body: Record<string, unknown>
  readonly at: number
}

/** Live state the junk aimed at runs needs; each returns undefined when there is no target yet. */
export interface JunkTargets {
  /** Captured task events of a finished run (all its events, in the order seen). */
  finishedRunEvents(r: Prng): Promise<SeenTaskEvent[] | undefined>
  /** A captured task event that was applied (its id is in history) and is younger than 5 minutes. */
  appliedRecentEvent(r: Prng): Promise<SeenTaskEvent | undefined>
  /** A task of a run that is not finished. */
  liveTask(r: Prng): Promise<{ runId: string; taskId: string } | undefined>
  /** A task of a cancelled run, with its current attempt. */
  cancelledTask(r: Prng): Promise<{ runId: string; taskId: string; attempt: number } | undefined>
}

const enc = new TextEncoder()
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v))

/** The subjects of the events stream the coordinator consumes, one of them at random. */
function consumedSubject(s: Subjects, r: Prng): string {
  return r.pick([s.runRequested, s.runCancelRequested, s.task(r.uuid()), s.source(r.pick(GATED_SOURCES)), s.backfillRequested, s.backfillCancelRequested, `${s.events.slice(0, -2)}.odd_kind`])
}

function taskEvent(r: Prng, id: string, runId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const type = r.pick(['started', 'heartbeat', 'succeeded', 'failed'] as const)
  return {
    id,
    runId,
    taskId: 'a',
    attempt: 1,
    type,
    workerId: 'chaos-junk',
    ...(type === 'succeeded' ? { output: { junk: true } } : {}),
    ...(type === 'failed' ? { error: { message: 'junk', retryable: true } } : {}),
    ...extra,
  }
}

function deepNesting(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}

/**
 * Makes the message(s) of one junk action. Returns undefined when the class needs a live target
 * that does not exist yet (the caller tries again a little later).
 */
export async function makeJunk(junk: JunkClass, r: Prng, s: Subjects, targets: JunkTargets): Promise<JunkMessage[] | undefined> {
  const id = r.uuid()
  const js = (subject: string, data: Uint8Array, expect: JunkExpectation = 'dead_letter', eventId?: string): JunkMessage => ({
    junk,
    subject,
    msgId: id,
    data,
    transport: 'jetstream',
    expect,
    ...(eventId ? { eventId } : {}),
  })
  switch (junk) {
    case 'non_json':
      return [js(consumedSubject(s, r), enc.encode(r.pick(['not json at all', '{"id": "unterminated', '<xml/>', '{id: 1}', '\u00ff\u00fe garbage', ''])))]
    case 'wrong_shape': {
      const bodies = ['null', '[]', '"a string"', '42', '{}', '{"id": 5}', `{"id":"${id}","workflow":123}`, `{"id":"${id}","runId":"not-a-uuid","taskId":"a","attempt":0,"type":"exploded","workerId":""}`, deepNesting(20_000)]
      return [js(consumedSubject(s, r), enc.encode(r.pick(bodies)))]
    }
    case 'huge': {
      // Just under the server's 1 MiB max_payload (headers included), so it reaches the coordinator.
      const size = 1024 * 1024 - 4096
      const filler = 'x'.repeat(size - 200)
      return [r.chance(0.5) ? js(s.runRequested, json({ id, workflow: 'chaos_missing', params: { blob: filler } })) : js(consumedSubject(s, r), enc.encode(`#${filler}`))]
    }
    case 'oversize':
      return [js(s.runRequested, enc.encode(`{"id":"${id}","pad":"${'y'.repeat(1024 * 1024)}"}`), 'refused')]
    case 'nul_raw':
      return [js(consumedSubject(s, r), enc.encode(`{"id":"${id}","workflow":"a\u0000b","source":"\u0000"}`))]
    case 'nul_escaped':
      return [
        r.chance(0.5)
          ? js(s.runRequested, json({ id, workflow: 'chaos_missing', params: { k: 'a\u0000b' }, partition: 'p\u0000' }))
          : js(s.task(r.uuid()), json({ id, runId: '', taskId: 'a', attempt: 1, type: 'failed', workerId: 'w\u0000', error: { message: 'x\u0000y' } })),
      ]
    case 'unknown_run': {
      const runId = r.uuid()
      return [js(s.task(runId), json(taskEvent(r, id, runId)))]
    }
    case 'unknown_workflow':
      return [js(s.runRequested, json({ id, workflow: `chaos_missing_${r.int(0, 999)}`, idempotencyKey: id }))]
    case 'unknown_source':
      return [js(s.source('chaos_unknown_src'), json({ id, source: 'chaos_unknown_src', partition: 'k0' }))]
    case 'unknown_subject':
      return [js(`${s.events.slice(0, -2)}.nonsense.${r.int(0, 99)}`, json({ id, workflow: 'chaos_diamond' }))]
    case 'subject_mismatch':
      return [js(s.task(r.uuid()), json(taskEvent(r, id, r.uuid())))]
    case 'cancel_unknown_run':
      return [js(s.runCancelRequested, json({ id, runId: r.uuid(), reason: 'junk' }))]
    case 'backfill_unknown_workflow':
      return [js(s.backfillRequested, json({ id, workflow: 'chaos_missing', from: '2026-01-01', to: '2026-01-02' }))]
    case 'backfill_cancel_unknown':
      return [js(s.backfillCancelRequested, json({ id, backfillId: r.uuid(), reason: 'junk' }))]
    case 'replay_reordered': {
      const events = await targets.finishedRunEvents(r)
      if (!events) return undefined
      // Reversed (a finished attempt's `succeeded` before its `started`), each under a new id.
      return events.reverse().map((e) => {
        const fresh = r.uuid()
        return { junk, subject: e.subject, msgId: fresh, data: json({ ...e.body, id: fresh }), transport: 'jetstream' as const, expect: 'ignored' as const, eventId: fresh }
      })
    }
    case 'replay_same_msgid': {
      const e = await targets.appliedRecentEvent(r)
      if (!e) return undefined
      return [{ junk, subject: e.subject, msgId: e.msgId, data: json(e.body), transport: 'jetstream', expect: 'duplicate' }]
    }
    case 'future_attempt': {
      const t = await targets.liveTask(r)
      if (!t) return undefined
      return [js(s.task(t.runId), json(taskEvent(r, id, t.runId, { taskId: t.taskId, attempt: 1000 + r.int(0, 999) })), 'ignored', id)]
    }
    case 'cancelled_run_event': {
      const t = await targets.cancelledTask(r)
      if (!t) return undefined
      const body = { id, runId: t.runId, taskId: t.taskId, attempt: Math.max(1, t.attempt), type: 'succeeded', workerId: 'chaos-junk', output: { late: true } }
      return [js(s.task(t.runId), json(body), 'ignored', id)]
    }
    case 'control_junk': {
      const data = r.pick([enc.encode('not json'), json({ runId: 'nope' }), json({ runId: r.uuid(), taskId: 'a', attempt: 1 }), enc.encode(deepNesting(5000))])
      return [{ junk, subject: s.attemptOwner, msgId: null, data, transport: 'core', expect: 'none' }]
    }
    case 'command_junk':
      return [js(s.command(QUEUE), enc.encode(r.pick(['not a command', '{}', `{"id":"${id}","runId":"x"}`])), 'none')]
  }
}
