import { sql } from 'kysely'
import { CrashPoint, crashPoint, type Db, type RunRow, type Subjects } from '@baton/shared'
import { buildCommand } from '../apply/commands.js'
import { RunWork } from '../apply/run-work.js'
import { writeBatchCounted } from '../db/batch-write.js'
import { insertOutboxStatement, type OutboxMessage } from '../db/outbox.js'
import { commandPayloads } from '../apply/command-inputs.js'
import { upsertTimersStatement } from '../db/timers.js'
import { dropWaitsStatement, grantStatements, groupSnapshot, lockGroup, tryLockGroup, waitingGroups, waitsOf, type SlotWait } from '../db/task-slots.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import { TimerKind } from '../lifecycle/types.js'
import type { OutboxPublisher } from '../outbox/outbox-publisher.js'
import { chooseAdmissions, type SlotCandidate } from './slot-choice.js'

/** Waiting attempts a group considers per round. */
const CANDIDATES = 500
/** Waiting attempts a group without fair share considers per round: enough for a pool's free slots and those another group blocks. */
const HEAD = 64

const attemptKey = (w: { runId: string; taskId: string; attempt: number }) => `${w.runId}/${w.taskId}/${w.attempt}`

/**
 * Admits queued attempts waiting for slots (pools, task concurrency), one group per transaction:
 * the group's advisory lock serialises count-then-grant across coordinators, the other groups a
 * candidate needs are taken with try-locks (a busy one counts as full this round, so two groups'
 * admissions never wait on each other), and the runs are locked SKIP LOCKED (a run a batch holds
 * waits for the next round). A grant moves the attempt's waits to holds, writes its command to
 * the outbox, sets its schedule-to-start timer and bumps the run's version (an optimistic batch
 * that read the run before retries under its lock), all in one commit.
 * Returns true when a group may have more to admit (run again at once).
 */
export async function admitWaitingAttempts(db: Db, definitions: DefinitionCache, subjects: Subjects, publisher: OutboxPublisher, now: Date = new Date()): Promise<boolean> {
  let again = false
  for (const group of await waitingGroups(db)) {
    const result = await db.transaction().execute((trx) => admitGroup(trx, group, definitions, subjects, now))
    if (result.outbox.length > 0) {
      crashPoint(CrashPoint.slotsAfterGrant)
      await publisher.publish(result.outbox)
    }
    again ||= result.more
  }
  return again
}

async function admitGroup(trx: Db, group: string, definitions: DefinitionCache, subjects: Subjects, now: Date): Promise<{ outbox: (OutboxMessage & { id: number })[]; more: boolean }> {
  const none = { outbox: [], more: false }
  await lockGroup(trx, group)
  // Priority order needs only the head of the line (a few per slot, for those another group
  // blocks); fair share looks further, to see every owner waiting.
  const snap = await groupSnapshot(trx, group, HEAD, CANDIDATES)
  const policy = snap.policy
  if (!policy) return none
  const usage = { used: snap.used, byOwner: snap.byOwner }
  const free = new Map<string, number>([[group, policy.limit - usage.used]])
  if (free.get(group)! <= 0) return none
  const waits = snap.waits
  if (waits.length === 0) return none
  const limit = policy.fairShare ? CANDIDATES : HEAD

  // Every group the candidates need besides this one: free slots under a try-lock, else full.
  const all = waits.some((w) => w.groups > 1) ? await waitsOf(trx, waits) : waits
  for (const other of [...new Set(all.map((w) => w.groupKey))].filter((g) => g !== group).sort()) {
    const o = (await tryLockGroup(trx, other)) ? await groupSnapshot(trx, other, 0, 0) : undefined
    free.set(other, o?.policy ? o.policy.limit - o.used : 0)
  }
  const byAttempt = new Map<string, SlotWait[]>()
  for (const w of all) byAttempt.set(attemptKey(w), [...(byAttempt.get(attemptKey(w)) ?? []), w])
  const candidates: SlotCandidate[] = waits.map((w) => ({ id: attemptKey(w), owner: w.owner, priority: w.priority, needs: new Map((byAttempt.get(attemptKey(w)) ?? [w]).map((x) => [x.groupKey, x.slots])) }))
  const chosen = chooseAdmissions({ group, fairShare: policy.fairShare, weights: policy.weights }, candidates, free, usage.byOwner)
  if (chosen.length === 0) return none

  const picked = waits.filter((w) => chosen.includes(attemptKey(w)))
  // Runs a batch holds are passed over (SKIP LOCKED): their attempts wait for the next round.
  const runIds = [...new Set(picked.map((w) => w.runId))]
  // The runs first, then their picked tasks: a read after the locks sees every batch that
  // committed before them. (One statement joining both dropped rows: with SKIP LOCKED, a run
  // joined to many picked tasks — a map's instances — lost some of them when its row had been
  // updated since the statement's snapshot, and their waits were taken for stale.)
  const locked = await sql<RunRow>`SELECT r.* FROM runs r WHERE r.id = ANY(${runIds}::uuid[]) FOR UPDATE SKIP LOCKED`.execute(trx)
  const runById = new Map(locked.rows.map((r) => [r.id, r]))
  const mine = picked.filter((w) => runById.has(w.runId))
  const states =
    mine.length === 0
      ? []
      : (
          await sql<{ run_id: string; task_id: string; status: string; attempt: number }>`
            SELECT t.run_id, t.task_id, t.status, t.attempt FROM unnest(${mine.map((w) => w.runId)}::uuid[], ${mine.map((w) => w.taskId)}::text[]) AS v(run_id, task_id)
            JOIN task_states t ON t.run_id = v.run_id AND t.task_id = v.task_id`.execute(trx)
        ).rows
  const taskState = new Map(states.map((t) => [`${t.run_id}/${t.task_id}`, { status: t.status, attempt: t.attempt }]))
  const granted: SlotWait[] = []
  const stale: SlotWait[] = []
  for (const w of picked) {
    if (!runById.has(w.runId)) continue
    const t = taskState.get(`${w.runId}/${w.taskId}`)
    if (t?.status === 'queued' && t.attempt === w.attempt) granted.push(w)
    else stale.push(w)
  }

  // Commands, as a batch would have sent them: upstream outputs from the table.
  const works = new Map<string, RunWork>()
  for (const runId of new Set(granted.map((w) => w.runId))) {
    const row = runById.get(runId)!
    const wf = await definitions.get(trx, row.version_hash)
    if (!wf) throw new Error(`workflow version ${row.version_hash} of run ${runId} is missing`)
    works.set(runId, new RunWork(row, wf))
  }
  const payloads = await commandPayloads(trx, granted.map((w) => ({ work: works.get(w.runId)!, taskId: w.taskId, attempt: w.attempt })))
  const outbox: OutboxMessage[] = []
  const timers: { kind: TimerKind; runId: string; taskId: string; attempt: number; fireAt: Date }[] = []
  for (const [i, w] of granted.entries()) {
    const work = works.get(w.runId)!
    const def = work.workflow.tasks.get(w.taskId)!
    outbox.push(buildCommand(work, w.taskId, w.attempt, payloads[i]!, subjects, now))
    const sts = def.timeouts.scheduleToStartMs
    if (sts !== undefined) timers.push({ kind: TimerKind.scheduleToStart, runId: w.runId, taskId: w.taskId, attempt: w.attempt, fireAt: new Date(now.getTime() + sts) })
  }
  const grantedRows = (byAttempt: Map<string, SlotWait[]>) => granted.flatMap((w) => byAttempt.get(attemptKey(w)) ?? [w])
  const [insertHolds, deleteWaits] = grantStatements(grantedRows(byAttempt), now)
  const bump = works.size > 0 ? sql`UPDATE runs SET version = version + 1 WHERE id = ANY(${[...works.keys()]}::uuid[])` : undefined
  const { rows } = await writeBatchCounted(trx, [bump, insertHolds, deleteWaits, dropWaitsStatement(stale), upsertTimersStatement(timers)], insertOutboxStatement(outbox))
  const ids = new Map(rows.map((r) => [String(r.msg_id), Number(r.id)]))
  // More may fit: every chosen attempt was granted and the group still had candidates beyond them.
  return { outbox: outbox.map((m) => ({ ...m, id: ids.get(m.msgId)! })), more: granted.length + stale.length < picked.length || (waits.length === limit && granted.length > 0) }
}
