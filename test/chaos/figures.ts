import type { FinalState, HistoryRow } from './final-state.js'
import type { FaultRecord } from './faults.js'
import { reasonClass, type CliDeadLetter } from './check-messages.js'
import { groupBy } from './invariant.js'
import type { JunkRecord } from './workload.js'

/**
 * The figures of a run. Recovery, per fault (times from history rows' `at`, which is the
 * committing coordinator's clock at the start of its batch; the harness runs on the same host):
 * - `resume_ms`: from the moment the fault is lifted (the restarted process spawned, SIGCONT
 *   sent, the server started again; for a connection drop, the drop itself) to the first task
 *   transition caused by a worker's event that a coordinator committed after it;
 * - `ready_ms` (process kills): from the restart to the new process logging that it started;
 * - `redispatch_ms` (worker kills and pauses): from the fault to the moment every task the
 *   victim was running has moved on — a new attempt queued, or the task finished.
 */

function stats(values: readonly number[]): { n: number; p50: number | null; max: number | null } {
  if (values.length === 0) return { n: 0, p50: null, max: null }
  const sorted = [...values].sort((a, b) => a - b)
  return { n: values.length, p50: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted[sorted.length - 1]! }
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}

/** Recovery figures of one fault. */
export function faultRecovery(f: FaultRecord, history: readonly HistoryRow[], byTask: ReadonlyMap<string, HistoryRow[]>): { resume_ms?: number; ready_ms?: number; redispatch_ms?: number } {
  const out: { resume_ms?: number; ready_ms?: number; redispatch_ms?: number } = {}
  const next = history.find((h) => h.kind === 'transition' && h.event_id !== null && h.at.getTime() >= f.liftedAt)
  if (next) out.resume_ms = next.at.getTime() - f.liftedAt
  if (f.restarted) {
    const start = f.restarted.member.starts.find((s) => s.generation === f.restarted!.generation)
    if (start?.readyAt !== undefined) out.ready_ms = start.readyAt - start.spawnedAt
  }
  if (f.victimTasks && f.victimTasks.length > 0) {
    let worst = 0
    for (const t of f.victimTasks) {
      const moved = (byTask.get(`${t.runId}/${t.taskId}`) ?? []).find(
        (h) => h.at.getTime() >= f.injectedAt && ((h.to_status === 'queued' && (h.attempt ?? 0) > t.attempt) || ['succeeded', 'failed', 'cancelled'].includes(h.to_status ?? '')),
      )
      worst = Math.max(worst, moved ? moved.at.getTime() - f.injectedAt : Infinity)
    }
    if (Number.isFinite(worst)) out.redispatch_ms = worst
  }
  return out
}

/** Every figure of the run, as one JSON object. */
export function figures(input: {
  state: FinalState
  faults: readonly FaultRecord[]
  junk: readonly JunkRecord[]
  deadLetters: readonly CliDeadLetter[]
  executions: { succeededAttempts: Record<string, number>; allAttempts: Record<string, number>; tasks: Record<string, number> }
  exits: readonly { name: string; code: number | null; signal: string | null; expected: boolean }[]
  timings: Record<string, number | null>
}): Record<string, unknown> {
  const { state, faults, junk, deadLetters } = input
  const transitions = state.history.filter((h) => h.kind === 'transition')
  const byTask = groupBy(transitions, (h) => `${h.run_id}/${h.task_id}`)
  const recovery: Record<string, Record<string, unknown>> = {}
  const perFault = [...faults].sort((a, b) => a.injectedAt - b.injectedAt).map((f) => ({ fault: f.fault, victim: f.victim, ...(f.overlap ? { overlap: true } : {}), down_ms: f.liftedAt - f.injectedAt, late_ms: f.lateMs, ...faultRecovery(f, transitions, byTask), ...(f.error ? { error: f.error } : {}) }))
  for (const [cls, list] of groupBy(perFault, (f) => f.fault)) {
    const pick = (k: 'resume_ms' | 'ready_ms' | 'redispatch_ms' | 'down_ms'): number[] => list.flatMap((f) => (typeof f[k] === 'number' ? [f[k]] : []))
    recovery[cls] = { count: list.length, down_ms: stats(pick('down_ms')), resume_ms: stats(pick('resume_ms')), ready_ms: stats(pick('ready_ms')), redispatch_ms: stats(pick('redispatch_ms')) }
  }
  return {
    type: 'figures',
    runsByOutcome: count(state.runs, (r) => r.status),
    runsByWorkflow: Object.fromEntries([...groupBy(state.runs, (r) => r.workflow)].sort(([a], [b]) => a.localeCompare(b)).map(([w, rs]) => [w, count(rs, (r) => r.status)])),
    tasks: state.tasks.length,
    transitions: transitions.length,
    ignoredEvents: state.history.filter((h) => h.kind === 'ignored').length,
    ignoredByReason: count(
      state.history.filter((h) => h.kind === 'ignored'),
      (h) => (h.reason ?? '?').replace(/\d+/g, 'N').replace(/ on \S+/g, ' on W'),
    ),
    faultsByClass: count(faults, (f) => f.fault),
    recoveryByClass: recovery,
    faults: perFault,
    executionsPerSucceededAttempt: input.executions.succeededAttempts,
    executionsPerAttempt: input.executions.allAttempts,
    executionsPerTask: input.executions.tasks,
    processExits: count(input.exits, (e) => `${e.name.replace(/-\d+$/, '')} ${e.signal ?? `exit ${e.code}`} ${e.expected ? 'by the harness' : 'ON ITS OWN'}`),
    attemptsPerTask: count(state.tasks.filter((t) => t.attempt > 0), (t) => String(t.attempt)),
    failedAttemptsByKind: count(state.attempts.filter((a) => a.status === 'failed'), (a) => a.error?.kind ?? '?'),
    deadLettersByReason: count(deadLetters, (d) => reasonClass(d.reason)),
    junkByClass: Object.fromEntries([...groupBy(junk, (j) => j.junk)].sort(([a], [b]) => a.localeCompare(b)).map(([c, js]) => [c, count(js, (j) => j.outcome)])),
    timings: input.timings,
  }
}
