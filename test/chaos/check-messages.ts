import type { FinalState } from './final-state.js'
import { groupBy, invariant, type InvariantResult } from './invariant.js'
import type { JunkRecord, PublishedMessage } from './workload.js'

/**
 * Invariants about messages: the harness's own workload was acknowledged by JetStream; every
 * junk message ended as its class says (a dead letter with a reason, an `ignored` history row and
 * no transition, a JetStream duplicate, a refusal at publish); no valid message was
 * dead-lettered, and no dead letter is unexplained. Dead letters are read as `baton dead-letters
 * --json` prints them (from the outside).
 */

/** A dead letter as `baton dead-letters --json` prints it. */
export interface CliDeadLetter {
  subject: string
  msgId: string | null
  reason: string
  count: number
}

/** Reason classes of dead letters, for the figures. */
export function reasonClass(reason: string): string {
  const known: [RegExp, string][] = [
    [/^malformed JSON/, 'malformed JSON'],
    [/exceeds the .*-byte limit/, 'too large'],
    [/nested too deeply/, 'nested too deeply'],
    [/^invalid task event/, 'invalid task event'],
    [/^invalid run request/, 'invalid run request'],
    [/^invalid cancel request/, 'invalid cancel request'],
    [/^invalid source-landed/, 'invalid source landing'],
    [/^invalid backfill request/, 'invalid backfill request'],
    [/^invalid backfill cancellation/, 'invalid backfill cancellation'],
    [/does not match subject/, 'subject mismatch'],
    [/^unknown subject/, 'unknown subject'],
    [/^unknown run/, 'unknown run'],
    [/^unknown workflow/, 'unknown workflow'],
    [/^unknown source/, 'unknown source'],
    [/^unknown backfill/, 'unknown backfill'],
    [/^failed to apply/, 'failed to apply'],
  ]
  return known.find(([re]) => re.test(reason))?.[1] ?? 'other'
}

/** The message invariants. */
export function checkMessages(state: FinalState, published: readonly PublishedMessage[], junk: readonly JunkRecord[], deadLetters: readonly CliDeadLetter[]): InvariantResult[] {
  const out: InvariantResult[] = []
  const unacked = published.filter((p) => p.ackedAt === undefined)
  out.push(invariant("the harness's workload messages were all acknowledged by JetStream", published.length, unacked))

  const letters = groupBy(deadLetters, (d) => `${d.subject}\u0000${d.msgId ?? ''}`)
  const ofJunk = (j: JunkRecord): CliDeadLetter[] => letters.get(`${j.subject}\u0000${j.msgId ?? ''}`) ?? []
  const dl = junk.filter((j) => j.expect === 'dead_letter' && j.outcome !== 'skipped')
  const dlProblems = dl
    .filter((j) => j.outcome !== 'acked' || ofJunk(j).length !== 1 || ofJunk(j)[0]!.reason.trim() === '')
    .map((j) => ({ junk: j.junk, subject: j.subject, msgId: j.msgId, publish: j.outcome, error: j.error, deadLetters: ofJunk(j) }))
  out.push(invariant('every junk message is dead-lettered once, with a reason', dl.length, dlProblems))

  const explained = new Set(junk.filter((j) => j.expect === 'dead_letter').map((j) => `${j.subject}\u0000${j.msgId ?? ''}`))
  const validIds = new Set(published.map((p) => p.msgId))
  const unexplained = deadLetters
    .filter((d) => !explained.has(`${d.subject}\u0000${d.msgId ?? ''}`))
    .map((d) => ({ ...d, valid: d.msgId !== null && validIds.has(d.msgId) ? 'a message the harness published as valid' : undefined }))
  out.push(invariant('no dead letter for a valid message, and none unexplained', deadLetters.length, unexplained))

  const history = groupBy(
    state.history.filter((h) => h.event_id !== null),
    (h) => h.event_id!,
  )
  const ig = junk.filter((j) => j.expect === 'ignored' && j.outcome !== 'skipped')
  const igProblems = ig
    .filter((j) => {
      const rows = history.get(j.eventId ?? '') ?? []
      return j.outcome !== 'acked' || !rows.some((h) => h.kind === 'ignored') || rows.some((h) => h.kind !== 'ignored')
    })
    .map((j) => ({ junk: j.junk, subject: j.subject, eventId: j.eventId, publish: j.outcome, history: (history.get(j.eventId ?? '') ?? []).map((h) => `${h.kind} ${h.task_id}@${h.attempt} ${h.from_status}→${h.to_status} ${h.reason}`) }))
  out.push(invariant('every well-formed stale event is recorded as ignored and changes nothing', ig.length, igProblems))

  const dup = junk.filter((j) => j.expect === 'duplicate' && j.outcome !== 'skipped')
  out.push(invariant('a real event re-published under its own Nats-Msg-Id is dropped by JetStream', dup.length, dup.filter((j) => j.outcome !== 'duplicate')))

  const refused = junk.filter((j) => j.expect === 'refused')
  out.push(invariant('a message over max_payload is refused at publish', refused.length, refused.filter((j) => j.outcome !== 'refused')))
  return out
}
