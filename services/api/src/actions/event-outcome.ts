import { createHash } from 'node:crypto'
import { newId, publishJson, type Db, type JetStreamClient } from '@baton/shared'

/**
 * How the API hands an operator action to the coordinators and learns what became of it: the
 * action is ONE event on NATS (the API never writes run state), published with its id as
 * `Nats-Msg-Id` (JetStream drops a repeat inside its duplicate window) — and the coordinator
 * records in the run's history, under that id, what it did or why it ignored it. The API waits
 * for that record for a bounded time; a coordinator that is down or busy leaves the action
 * `pending`, still in NATS, applied once a coordinator runs.
 */

/** What became of an action: applied (with its history), ignored (with the reason), or not yet known. */
export type ActionOutcome =
  | { readonly outcome: 'applied'; readonly eventId: string; readonly changes: number }
  | { readonly outcome: 'ignored'; readonly eventId: string; readonly reason: string }
  | { readonly outcome: 'pending'; readonly eventId: string }

/**
 * The event id of an action. With a client's `Idempotency-Key`, the same key from the same
 * principal for the same action and resource is the same event (applied once, answered alike);
 * without one, every request is a new event.
 */
export function actionEventId(principalId: string, action: string, resource: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return newId()
  const digest = createHash('sha256').update(JSON.stringify([principalId, action, resource, idempotencyKey])).digest('hex').slice(0, 40)
  return `api.${digest}`
}

/** Publishes an action event and waits (up to `waitMs`) for the coordinator's record of it in the run's history. */
export async function sendRunEvent(deps: { db: Db; js: JetStreamClient }, subject: string, runId: string, body: { id: string } & Record<string, unknown>, waitMs: number): Promise<ActionOutcome> {
  await publishJson(deps.js, subject, body.id, body)
  return waitForRunEvent(deps.db, runId, body.id, waitMs)
}

/** Polls the run's history for what the coordinator recorded under `eventId`. */
export async function waitForRunEvent(db: Db, runId: string, eventId: string, waitMs: number): Promise<ActionOutcome> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const rows = await db.selectFrom('history').select(['kind', 'reason']).where('run_id', '=', runId).where('event_id', '=', eventId).execute()
    if (rows.length > 0) {
      const ignored = rows.find((r) => r.kind === 'ignored')
      if (ignored && rows.length === 1) return { outcome: 'ignored', eventId, reason: ignored.reason ?? 'ignored' }
      return { outcome: 'applied', eventId, changes: rows.filter((r) => r.kind !== 'ignored').length }
    }
    if (Date.now() >= deadline) return { outcome: 'pending', eventId }
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Waits (up to `waitMs`) until `check` returns a value: for actions recorded outside a run's history (pause, trigger). */
export async function waitUntil<T>(check: () => Promise<T | undefined>, waitMs: number): Promise<T | undefined> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() >= deadline) return undefined
    await new Promise((r) => setTimeout(r, 25))
  }
}
