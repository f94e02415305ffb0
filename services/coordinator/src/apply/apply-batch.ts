import {
  CrashPoint,
  crashPoint,
  newId,
  traceparentFor,
  type BackfillCancelRequested,
  type BackfillRequested,
  type Db,
  type RunRequested,
  type SourceLanded,
  type Subjects,
} from '@baton/shared'
import { applyBackfillRequests } from './backfills.js'
import { applyLandings, linkReadinessRuns } from './readiness.js'
import { applyPauseRequests, type PauseItem } from './pauses.js'
import { producedLandings } from './produces.js'
import { appendHistoryStatement } from '../db/history.js'
import { notifyHistoryWrittenExpression } from '../db/history-notify.js'
import { writeAttemptsStatements } from '../db/attempts.js'
import { writeBatchCounted } from '../db/batch-write.js'
import { insertDeadLettersStatement, type DeadLetter } from '../db/dead-letters.js'
import { insertOutboxStatement, type OutboxMessage } from '../db/outbox.js'
import { updateRunsStatement } from '../db/runs.js'
import { loadTaskViews, updateTasksStatement } from '../db/tasks.js'
import { commandPayloads } from './command-inputs.js'
import { cancelInstancesOfStoppedMaps, expandMapChunk, isMapExpansion, stoppedMaps } from './map-expansion.js'
import { claimTimers, deleteTimersStatement, upsertTimersStatement } from '../db/timers.js'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import { decide, tasksToPrefetch } from '../lifecycle/run-machine.js'
import { countOptimistic, isOptimisticConflict, NeedsLockError, optimisticBatch, readBatchRuns } from './optimistic.js'
import { TimerKind, type MachineEvent } from '../lifecycle/types.js'
import { alertCausesOf, approvalsEnded, succeededInBatch } from '../alerts/batch-alerts.js'
import { raiseAlerts } from '../alerts/alert-store.js'
import { resolveAlerts, resolveAlertsByCause } from '../db/alerts.js'
import type { AlertRoutes } from '../alerts/alert-routes.js'
import { slaMissedCause, slaTimersFor } from '../alerts/sla.js'
import { buildCommand } from './commands.js'
import { createRuns } from './create-runs.js'
import { RunWork } from './run-work.js'
import { batchStats, type BatchStats } from './batch-stats.js'
import { endedWork, type EndedWork } from './ended-work.js'
import { slotWrites } from './slot-writes.js'
import { retryOnLatest } from './retry-latest.js'
import { childNotStarted, subWorkflowMessages } from './sub-workflows.js'
import { insertWaitsStatement, releaseSlotsStatements } from '../db/task-slots.js'

/** An event for an existing run. `ref` ties results back to the source message. */
export interface RunEventItem {
  readonly ref: number
  readonly runId: string
  readonly eventId: string | null
  readonly event: MachineEvent
}
/** How a run is admitted and grouped, for runs created by schedules, readiness and backfills. */
export interface RunOptions {
  /** Runs of a group start at most `concurrencyLimit` at once; the others wait `queued`. */
  readonly concurrencyKey?: string
  readonly concurrencyLimit?: number
  readonly backfillId?: string
  readonly scheduledFor?: Date
}
/** A request to create a run. */
export interface RunRequestItem {
  readonly ref: number
  readonly request: RunRequested
  readonly options?: RunOptions
}
/** A source-landed event. */
export interface LandingItem {
  readonly ref: number
  readonly landing: SourceLanded
}
/** A backfill request or cancellation. */
export type BackfillItem =
  | { readonly ref: number; readonly type: 'requested'; readonly request: BackfillRequested }
  | { readonly ref: number; readonly type: 'cancel_requested'; readonly request: BackfillCancelRequested }
/** A due timer to fire. */
export interface TimerItem {
  readonly timerId: number
  readonly runId: string
  readonly kind: TimerKind
  readonly taskId: string
  readonly attempt: number
  /** `fanout_continue` only: where the next chunk of downstream tasks starts. */
  readonly nextIndex?: number
}

/** Everything one transaction applies. */
export interface BatchInput {
  readonly requests?: readonly RunRequestItem[]
  readonly events?: readonly RunEventItem[]
  readonly timers?: readonly TimerItem[]
  readonly landings?: readonly LandingItem[]
  readonly backfills?: readonly BackfillItem[]
  /** Pause and unpause requests (an unpause may start held partitions' runs). */
  readonly pauses?: readonly PauseItem[]
  /** Queued runs admitted to start (their group had a free slot). */
  readonly starts?: readonly string[]
  /** Inputs already known to be invalid (malformed, schema-invalid): dead-lettered in this transaction. */
  readonly invalid?: readonly { readonly ref: number; readonly reason: string }[]
}

/** What the transaction committed and what must now leave. */
export interface BatchOutcome {
  /** Outbox rows committed: publish, then delete. */
  readonly outbox: readonly (OutboxMessage & { id: number })[]
  /** Input refs dead-lettered, with the reason (already recorded in the same transaction). */
  readonly rejected: ReadonlyMap<number, string>
  /** Task status changes made. */
  readonly transitions: number
  /** Fan-out continuations set (due at once): whoever applied the batch fires them next. */
  readonly continued: number
  /** Attempts began waiting for slots or slots were released: whoever applied the batch runs admission next. */
  readonly slotsChanged: boolean
  /** Runs created by requests, by ref (existing run ids for duplicates). */
  readonly runIds: ReadonlyMap<number, string>
  /** The attempts and runs this batch ended (computed on demand: only tracing asks). */
  readonly ended: () => EndedWork
  /** Counts and timings of what the batch did (computed on demand: only metrics ask). */
  readonly stats: () => BatchStats
}

/** What applyBatch needs besides the database. */
export interface ApplyContext {
  readonly definitions: DefinitionCache
  readonly subjects: Subjects
  readonly now: Date
  /** Alert routing; without it the batch raises no alerts (tools and tests). */
  readonly alerting?: { readonly routes: AlertRoutes; readonly repeatWindowMs: number }
  /** Most partitions one backfill may span (BATON_BACKFILL_MAX_PARTITIONS). */
  readonly backfillMaxPartitions?: number
  /** Try a batch of task events without locks first (default true; applyBatch). */
  readonly optimistic?: boolean
  /** Subject and payload of rejected inputs, for the dead-letter table. */
  readonly describe: (ref: number) => { subject: string; msgId: string | null; payload: string }
}

/**
 * Applies a batch of events, run requests and due timers in ONE transaction: runs are locked in
 * id order, every decision of the pure machine is folded into per-run working copies, and the
 * resulting task/run/attempt rows, history, timers and outbox are written with one set-based
 * statement. Nothing is published here: the caller publishes the returned outbox after commit
 * (brief §3, rule 1).
 *
 * A small batch of one run's task events (the hand-off) is first tried optimistically (`optimisticBatch`):
 * read without locks, decide, and write in ONE statement that is its own transaction and
 * applies only if every run's version is still the one read. Two round trips instead of five;
 * a conflict, or a decision that needs more than that statement (an alert to raise or resolve,
 * a run that finished), falls back to the locked path, which decides again from scratch.
 */
export async function applyBatch(db: Db, input: BatchInput, ctx: ApplyContext): Promise<BatchOutcome> {
  if (ctx.optimistic !== false && optimisticBatch(input)) {
    try {
      const outcome = await applyInTransaction(db, input, ctx, 'optimistic')
      countOptimistic('applied')
      return outcome
    } catch (e) {
      if (!(e instanceof NeedsLockError) && !isOptimisticConflict(e)) throw e
      countOptimistic(e instanceof NeedsLockError ? 'needs_lock' : 'conflict')
    }
  }
  return db.transaction().execute((trx) => applyInTransaction(trx, input, ctx))
}

/**
 * `applyBatch` inside a transaction the caller already holds (the scheduler, admission). With
 * `optimistic`, `trx` is the pool itself: nothing is locked, and the single write statement
 * checks every touched run's version (applyBatch).
 */
export async function applyInTransaction(trx: Db, input: BatchInput, ctx: ApplyContext, mode: 'locked' | 'optimistic' = 'locked'): Promise<BatchOutcome> {
  const { now } = ctx
  const rejected = new Map<number, string>((input.invalid ?? []).map((i) => [i.ref, i.reason]))
  const timerItems = input.timers ?? []
  const derived = [
    // Pauses first: a landing in the same batch then sees the workflow's new state.
    ...(await applyPauseRequests(trx, input.pauses ?? [], ctx, rejected)),
    ...(await applyLandings(trx, input.landings ?? [], ctx, rejected)),
    ...(await applyBackfillRequests(trx, input.backfills ?? [], ctx, rejected)),
  ]
  const requestItems = [...(input.requests ?? []), ...derived.filter((d): d is RunRequestItem => 'request' in d)]
  const created = await createRuns(trx, requestItems, ctx, rejected)
  await linkReadinessRuns(trx, derived, created.runIds)
  const events = [...(input.events ?? []), ...derived.filter((d): d is RunEventItem => 'event' in d)]
  const starts = [...created.started, ...(input.starts ?? [])]

  const runIds = new Set<string>([...events.map((e) => e.runId), ...timerItems.map((t) => t.runId), ...starts])
  const { rows, prefetched } = await readBatchRuns(trx, [...runIds], events, ctx, mode)
  const works = new Map<string, RunWork>()
  for (const row of rows) {
    const wf = await ctx.definitions.get(trx, row.version_hash)
    if (!wf) throw new Error(`workflow version ${row.version_hash} of run ${row.id} is missing`)
    ctx.definitions.rememberRun(row.id, row.version_hash)
    works.set(row.id, new RunWork(row, wf))
  }
  for (const t of prefetched) works.get(t.runId)?.load(t)

  type Pending = { work: RunWork; event: MachineEvent; eventId: string | null; external: boolean }
  let wave: Pending[] = []
  for (const runId of starts) {
    const work = works.get(runId)
    if (work) wave.push({ work, event: { type: 'run.started' }, eventId: null, external: false })
  }
  for (const e of events) {
    const work = works.get(e.runId)
    if (!work) rejected.set(e.ref, `unknown run ${e.runId}`)
    else wave.push({ work, event: e.event, eventId: e.eventId, external: true })
  }
  const claimed = await claimTimers(trx, timerItems.map((t) => t.timerId), now)
  const slaMissed: RunWork[] = []
  for (const t of timerItems) {
    const work = works.get(t.runId)
    if (!claimed.has(t.timerId) || !work) continue
    if (t.kind === TimerKind.sla) {
      if (work.view.status !== 'succeeded') slaMissed.push(work)
      continue
    }
    wave.push({ work, event: { type: 'timer.fired', kind: t.kind, taskId: t.taskId, attempt: t.attempt, ...(t.nextIndex ? { nextIndex: t.nextIndex } : {}) }, eventId: null, external: false })
  }

  // Waves: load what the wave's events need in one query, decide each in order, and queue the
  // follow-ups (cascades) for the next wave. Work is proportional to the tasks touched.
  while (wave.length > 0) {
    const allOf = new Set<string>()
    const pairs = new Map<string, { runId: string; taskId: string }>()
    for (const p of wave) {
      if (p.work.loadedAll.value) continue
      const need = tasksToPrefetch(p.event, p.work)
      if (need === 'all') allOf.add(p.work.view.id)
      else for (const taskId of need) if (!p.work.tasks.has(taskId)) pairs.set(`${p.work.view.id}/${taskId}`, { runId: p.work.view.id, taskId })
    }
    if (allOf.size > 0 || pairs.size > 0) {
      for (const t of await loadTaskViews(trx, [...allOf], [...pairs.values()])) {
        works.get(t.runId)!.load(t)
      }
      for (const id of allOf) works.get(id)!.loadedAll.value = true
    }
    const next: Pending[] = []
    for (const p of wave) {
      // A mapped task's next chunk needs Postgres (the list, the instance rows) before the machine decides on it.
      const event = isMapExpansion(p.event) ? await expandMapChunk(trx, p.work, p.event) : p.event
      const d = event.type === 'run.retry_requested' && event.toLatest ? await retryOnLatest(trx, p.work, event, now, ctx.definitions) : decide(p.work.state(), event, now)
      p.work.apply(d, p.eventId, now, p.external)
      for (const f of d.followUps) next.push({ work: p.work, event: f, eventId: p.eventId, external: false })
    }
    wave = next
  }

  // A mapped task stopped other than by its last instance (a cancel, a mark): its live instances go with it.
  // Optimistic, `trx` is the pool: the cancel statement must not commit on its own, so such a batch goes locked first.
  const stopped = stoppedMaps([...works.values()])
  if (mode === 'optimistic' && stopped.length > 0) throw new NeedsLockError()
  const mapsStopped = await cancelInstancesOfStoppedMaps(trx, stopped, now)
  // An attempt that needs slots (a pool, its task's concurrency) waits for admission instead of
  // leaving now; slots of attempts this batch moved out of queued/running are released.
  const slots = slotWrites([...works.values()], now)
  // Commands need their upstream outputs: from this batch's memory, else from the table.
  const outbox: OutboxMessage[] = []
  const dispatches = [...works.values()].flatMap((w) => w.liveDispatches().filter((d) => !slots.gated.has(`${w.view.id}/${d.taskId}/${d.attempt}`)).map((d) => ({ work: w, ...d })))
  const payloads = await commandPayloads(trx, dispatches)
  dispatches.forEach((d, i) => outbox.push(buildCommand(d.work, d.taskId, d.attempt, payloads[i]!, ctx.subjects, now)))
  outbox.push(...(await subWorkflowMessages(trx, [...works.values()], ctx.subjects, now)))
  // A child run that could not start (unknown workflow, bad params or partition): its parent's task fails with the reason.
  for (const { ref, request } of requestItems) {
    const reason = rejected.get(ref)
    if (reason !== undefined && request.parent) outbox.push(childNotStarted(request, reason, ctx.subjects, now))
  }
  for (const w of works.values()) {
    outbox.push(...producedLandings(w, ctx.subjects, now))
    for (const a of w.aborts) {
      outbox.push({ transport: 'core', subject: ctx.subjects.abort, msgId: newId(), payload: { runId: w.view.id, ...a }, traceparent: traceparentFor(w.view.id) })
    }
  }

  const all = [...works.values()]
  const causes = [...all.flatMap(alertCausesOf), ...slaMissed.map((w) => slaMissedCause(w, now))]
  const approvals = all.flatMap(approvalsEnded)
  const succeeded = all.filter(succeededInBatch)
  // What the one optimistic write statement cannot do: alerts raised or resolved, a finished run's SLA.
  if (mode === 'optimistic' && (causes.length > 0 || approvals.length > 0 || succeeded.length > 0)) throw new NeedsLockError()
  const alerting = ctx.alerting
  if (alerting) {
    await raiseAlerts(trx, causes, alerting.routes, alerting.repeatWindowMs, now)
    await resolveAlertsByCause(trx, approvals, now)
  }
  for (const w of succeeded) {
    if (alerting) await resolveAlerts(trx, w.view.workflow, w.view.partition, w.view.id, now)
    if (w.workflow.definition.sla) w.timers.set('sla||0', { key: { kind: TimerKind.sla, taskId: '', attempt: 0 }, fireAt: null })
  }
  const slaTimers = await slaTimersFor(trx, created.created, ctx)

  const timers = all.flatMap((w) => [...w.timers.values()].map((t) => ({ ...t.key, runId: w.view.id, fireAt: t.fireAt })))
  // Requests derived inside the transaction (readiness, backfills) have no source message:
  // their dead letter carries the request itself.
  const derivedRequests = new Map(derived.filter((d): d is RunRequestItem => 'request' in d).map((d) => [d.ref, d.request]))
  const letters: DeadLetter[] = [...rejected].map(([ref, reason]) => {
    const req = derivedRequests.get(ref)
    const where = req ? { subject: ctx.subjects.runRequested, msgId: req.id, payload: JSON.stringify(req) } : ctx.describe(ref)
    return { ...where, reason }
  })
  const taskUpdates = all.flatMap((w) => w.taskUpdates())
  const runUpdates = all.map((w) => w.runUpdate())
  const writes = taskUpdates.length > 0 || runUpdates.length > 0 || outbox.length > 0
  // Optimistic: the write statement is the commit, so "before commit" is before it.
  if (mode === 'optimistic' && writes) crashPoint(CrashPoint.batchBeforeCommit)
  const { rows: returned } = await writeBatchCounted(
    trx,
    [
      // The run rows first: the statement executes its parts in this order (writeBatchCounted),
      // so like a locked batch it takes a run's row before any of its task rows — two writers
      // of one run wait for each other there instead of deadlocking.
      updateRunsStatement(runUpdates),
      updateTasksStatement(taskUpdates),
      ...writeAttemptsStatements(all.flatMap((w) => w.attempts)),
      appendHistoryStatement(all.flatMap((w) => w.history)),
      insertWaitsStatement(slots.waits),
      ...releaseSlotsStatements(slots.keeps),
      deleteTimersStatement(timers.filter((t) => t.fireAt === null)),
      upsertTimersStatement([...timers.filter((t): t is typeof t & { fireAt: Date } => t.fireAt !== null), ...slaTimers]),
      insertDeadLettersStatement(letters),
    ],
    insertOutboxStatement(outbox),
    {
      // Wakes the API's live-updates tails when this transaction commits (docs/api.md, "Live updates (SSE)").
      ...(all.some((w) => w.history.length > 0) ? { notify: notifyHistoryWrittenExpression() } : {}),
      // Every guarded update must find its row as it was loaded (task status and attempt, run
      // status and version), or the statement fails as a whole: under the run lock that is a
      // bug (a write outside the lock), unlocked it is a conflict and the batch is applied locked.
      expected: [runUpdates.length, taskUpdates.length],
      runs: all.map((w) => w.view.id),
    },
  )
  const ids = new Map(returned.map((r) => [String(r.msg_id), Number(r.id)]))
  const committed = outbox.map((m) => ({ ...m, id: ids.get(m.msgId)! }))
  // Only a batch that writes something: an idle scheduler tick would die on its empty batch.
  if (mode === 'locked' && writes) crashPoint(CrashPoint.batchBeforeCommit)
  return {
    outbox: committed,
    rejected,
    transitions: all.reduce((n, w) => n + w.transitions, 0),
    continued: timers.filter((t) => (t.kind === TimerKind.fanout || t.kind === TimerKind.mapExpand) && t.fireAt !== null).length,
    slotsChanged: slots.waits.length > 0 || slots.keeps.length > 0 || mapsStopped,
    runIds: created.runIds,
    ended: () => endedWork(all),
    stats: () => batchStats(all, rejected, { invalid: new Set((input.invalid ?? []).map((i) => i.ref)), events: new Set(events.map((e) => e.ref)) }),
  }
}
