import type { Plan } from './plan.js'
import { TERMINAL_RUN, type ReadDb } from './read-db.js'
import type { JunkRecord } from './workload.js'

/**
 * Waiting for the system to be quiet after the faults stop, with a bound: every expected run
 * exists and is terminal, no other run is open, and the outbox has drained. Polled read-only once
 * a second; Postgres not answering counts as not quiet yet.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Resolves with when it became quiet, or why it was not by `deadline`. */
export async function waitQuiet(db: ReadDb, plan: Plan, deadline: number): Promise<{ quietAt?: number; reason: string }> {
  const expected = new Set(plan.expectedRuns.map((e) => `${e.workflow}\u0000${e.key}`))
  let reason = 'not checked'
  for (;;) {
    try {
      const runs = await db.query<{ id: string; workflow: string; idempotency_key: string; status: string }>('SELECT id, workflow, idempotency_key, status FROM runs')
      const [{ n: outbox } = { n: -1 }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')
      const present = new Set(runs.map((r) => `${r.workflow}\u0000${r.idempotency_key}`))
      const missing = [...expected].filter((k) => !present.has(k))
      const open = runs.filter((r) => !(TERMINAL_RUN as readonly string[]).includes(r.status))
      if (missing.length === 0 && open.length === 0 && outbox === 0) return { quietAt: Date.now(), reason: 'quiet' }
      reason = JSON.stringify({
        missingRuns: missing.length,
        missingExamples: missing.slice(0, 5).map((k) => k.replace('\u0000', ' ')),
        openRuns: open.length,
        openExamples: open.slice(0, 5).map((r) => `${r.id} ${r.workflow} ${r.idempotency_key} ${r.status}`),
        outboxRows: outbox,
      })
    } catch (e) {
      reason = `database not answering: ${(e as Error).message}`
    }
    if (Date.now() > deadline) return { reason }
    await sleep(1000)
  }
}

/** Waits (at most `timeoutMs`) until every junk message expected to leave a trace has one. */
export async function waitJunkSettled(db: ReadDb, junk: readonly JunkRecord[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const letters = junk.filter((j) => j.expect === 'dead_letter' && j.outcome === 'acked')
  const ignored = junk.filter((j) => j.expect === 'ignored' && j.outcome === 'acked' && j.eventId)
  while (Date.now() < deadline) {
    try {
      const dl = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letters WHERE msg_id = ANY($1)`, [letters.map((j) => j.msgId)])
      const ig = await db.query<{ n: number }>(`SELECT count(DISTINCT event_id)::int AS n FROM history WHERE kind = 'ignored' AND event_id = ANY($1)`, [ignored.map((j) => j.eventId)])
      if ((dl[0]?.n ?? 0) >= letters.length && (ig[0]?.n ?? 0) >= ignored.length) return
    } catch {
      // not yet
    }
    await sleep(1000)
  }
}
