import { RUN_TRANSITIONS, TASK_TRANSITIONS } from '@baton/coordinator'
import type { RunStatus, TaskStatus } from '@baton/shared'
import type { FinalState, HistoryRow } from './final-state.js'
import { groupBy, invariant, type InvariantResult } from './invariant.js'
import { attemptKey, type Ledger } from './ledger.js'
import type { FaultRecord } from './faults.js'

/**
 * Invariants from history, attempts and the ledger: per run, each task's transitions form one
 * gap-free chain allowed by the transition table (services/coordinator/src/lifecycle/
 * transitions.ts), ending where the task row is, and nothing changes after the run ended; no
 * (run, task, attempt) took effect twice; attempts are numbered without gaps and agree with
 * the task; every succeeded attempt ran for real (its output names a ledger execution), and no
 * attempt ran more often than the faults around it explain.
 */

const short = (h: HistoryRow): string => `#${h.id} ${h.task_id ?? 'run'}@${h.attempt ?? '-'} ${h.from_status}→${h.to_status}${h.event_id ? ` (event ${h.event_id})` : ''}`

/** Chains and order of history, per run and per task. */
export function checkHistory(state: FinalState): InvariantResult[] {
  const out: InvariantResult[] = []
  const tasks = new Map(state.tasks.map((t) => [`${t.run_id}/${t.task_id}`, t]))
  const runs = new Map(state.runs.map((r) => [r.id, r]))
  const byRun = groupBy(state.history, (h) => h.run_id)

  const chainProblems: unknown[] = []
  let chains = 0
  for (const run of state.runs) {
    const rows = byRun.get(run.id) ?? []
    // The run's own transitions.
    let status: string = 'queued'
    let endedAt: number | undefined
    for (const h of rows.filter((x) => x.kind === 'run')) {
      if (h.from_status !== status || !(RUN_TRANSITIONS[status as RunStatus] ?? []).includes(h.to_status as RunStatus)) {
        chainProblems.push({ run: run.id, problem: `run transition ${h.from_status}→${h.to_status} after ${status}`, row: short(h) })
      }
      status = h.to_status ?? status
      if (['succeeded', 'failed', 'cancelled'].includes(status) && endedAt === undefined) endedAt = h.id
    }
    if (status !== run.status) chainProblems.push({ run: run.id, problem: `run history ends at ${status}, the run is ${run.status}` })
    // Each task's chain.
    const byTask = groupBy(
      rows.filter((x) => x.kind === 'transition'),
      (h) => h.task_id ?? '',
    )
    for (const t of state.tasks.filter((x) => x.run_id === run.id)) byTask.set(t.task_id, byTask.get(t.task_id) ?? [])
    for (const [taskId, list] of byTask) {
      chains++
      const task = tasks.get(`${run.id}/${taskId}`)
      let s: string = 'pending'
      let attempt = 0
      for (const h of list) {
        const expectedAttempt = h.to_status === 'queued' && (s === 'pending' || s === 'retrying') ? attempt + 1 : attempt
        const allowed = (TASK_TRANSITIONS[s as TaskStatus] ?? []).includes(h.to_status as TaskStatus)
        if (h.from_status !== s || !allowed || h.attempt !== expectedAttempt) {
          chainProblems.push({ run: run.id, task: taskId, problem: `expected a transition from ${s} (attempt ${expectedAttempt})`, row: short(h), chain: list.map(short) })
          break
        }
        if (endedAt !== undefined && h.id > endedAt) {
          chainProblems.push({ run: run.id, task: taskId, problem: 'task transition after the run ended', row: short(h) })
          break
        }
        s = h.to_status!
        attempt = h.attempt!
      }
      if (!task) chainProblems.push({ run: run.id, task: taskId, problem: 'history for a task the run does not have' })
      else if (task.status !== s || task.attempt !== attempt) chainProblems.push({ run: run.id, task: taskId, problem: `history ends at ${s}#${attempt}, the task is ${task.status}#${task.attempt}`, chain: list.map(short) })
    }
  }
  out.push(invariant("per run, each task's history is one gap-free chain of allowed transitions, in order, ending at the task's status", chains, chainProblems))

  // No (run, task, attempt) took effect twice: the same change recorded twice.
  const seen = groupBy(
    state.history.filter((h) => h.kind === 'transition'),
    (h) => `${h.run_id}/${h.task_id}/${h.attempt}/${h.to_status}`,
  )
  const doubles = [...seen.values()].filter((l) => l.length > 1).map((l) => ({ run: l[0]!.run_id, rows: l.map(short) }))
  const runDoubles = [...groupBy(state.history.filter((h) => h.kind === 'run'), (h) => `${h.run_id}/${h.to_status}`).values()].filter((l) => l.length > 1).map((l) => ({ run: l[0]!.run_id, rows: l.map(short) }))
  out.push(invariant('no transition took effect twice (history)', seen.size, [...doubles, ...runDoubles]))

  // Attempts: 1..n without gaps, n = the task's attempt; one succeeded at most, the last; all ended.
  const attemptsByTask = groupBy(state.attempts, (a) => `${a.run_id}/${a.task_id}`)
  const attemptProblems: unknown[] = []
  for (const t of state.tasks) {
    const list = (attemptsByTask.get(`${t.run_id}/${t.task_id}`) ?? []).sort((a, b) => a.attempt - b.attempt)
    const numbers = list.map((a) => a.attempt)
    const succeeded = list.filter((a) => a.status === 'succeeded')
    const open = list.filter((a) => a.status === 'queued' || a.status === 'running')
    const run = runs.get(t.run_id)
    const problem =
      numbers.some((n, i) => n !== i + 1) || numbers.length !== t.attempt
        ? `attempts ${numbers.join(',')} for a task at attempt ${t.attempt}`
        : succeeded.length > 1 || (succeeded.length === 1 && succeeded[0] !== list[list.length - 1])
          ? 'a succeeded attempt that is not the only and last one'
          : (t.status === 'succeeded') !== (succeeded.length === 1)
            ? `task ${t.status} with ${succeeded.length} succeeded attempt(s)`
            : run && run.status !== 'running' && run.status !== 'queued' && open.length > 0
              ? `attempt(s) ${open.map((a) => `${a.attempt}:${a.status}`).join(',')} still open in a finished run`
              : undefined
    if (problem) attemptProblems.push({ run: t.run_id, task: t.task_id, status: t.status, problem, attempts: list.map((a) => `${a.attempt}:${a.status}`) })
  }
  out.push(invariant('attempts are numbered without gaps, end, and agree with their task (at most one success, the last)', state.tasks.length, attemptProblems))
  return out
}

/** Executions per attempt, for the figures. */
export interface LedgerFigures {
  /** Executions of each succeeded attempt: count → how many attempts. */
  readonly succeededAttempts: Record<string, number>
  /** Executions of every attempt the ledger saw: count → how many attempts. */
  readonly allAttempts: Record<string, number>
  /** Executions of each (run, task), all attempts together: count → how many tasks. */
  readonly tasks: Record<string, number>
}

/**
 * Ledger against the database: every succeeded attempt executed at least once and its output
 * came from one of its executions; every execution belongs to an attempt the coordinator made;
 * an attempt executed more than once only when faults were injected between its first and last
 * execution (at most one extra execution per such fault).
 */
export function checkLedger(state: FinalState, ledger: Ledger, lines: { total: number; bad: readonly string[] }, faults: readonly FaultRecord[]): { results: InvariantResult[]; figures: LedgerFigures } {
  const attempts = new Map(state.attempts.map((a) => [attemptKey(a.run_id, a.task_id, a.attempt), a]))
  const real: unknown[] = []
  let succeeded = 0
  const histogram = (into: Record<string, number>, n: number): void => {
    into[String(n)] = (into[String(n)] ?? 0) + 1
  }
  const succeededAttempts: Record<string, number> = {}
  const allAttempts: Record<string, number> = {}
  for (const [k, a] of attempts) {
    if (a.status !== 'succeeded') continue
    succeeded++
    const execs = ledger.get(k) ?? []
    histogram(succeededAttempts, execs.length)
    const exec = a.output?.exec
    if (execs.length === 0) real.push({ attempt: k, problem: 'succeeded without any execution in the ledger' })
    else if (!execs.some((x) => x.exec === exec && x.ok === true)) real.push({ attempt: k, problem: 'its output names no successful execution of it', output: a.output, executions: execs })
  }
  const fenced: unknown[] = []
  const bounded: unknown[] = []
  for (const [k, execs] of ledger) {
    histogram(allAttempts, execs.length)
    if (!attempts.has(k)) fenced.push({ attempt: k, problem: 'executed, but the coordinator never made this attempt', executions: execs })
    if (execs.length > 1) {
      const first = Math.min(...execs.map((x) => x.startedAt))
      const last = Math.max(...execs.map((x) => x.startedAt))
      const explaining = faults.filter((f) => f.injectedAt >= first - 1000 && f.injectedAt <= last)
      if (execs.length > 1 + explaining.length) bounded.push({ attempt: k, executions: execs.length, faultsBetween: explaining.map((f) => `${f.fault} ${f.victim}`), starts: execs.map((x) => ({ pid: x.pid, at: new Date(x.startedAt).toISOString(), ok: x.ok ?? null })) })
    }
  }
  const perTask = new Map<string, number>()
  for (const [k, execs] of ledger) {
    const task = k.slice(0, k.lastIndexOf('/'))
    perTask.set(task, (perTask.get(task) ?? 0) + execs.length)
  }
  const tasks: Record<string, number> = {}
  for (const n of perTask.values()) histogram(tasks, n)
  const results = [
    invariant('every succeeded attempt executed, and its result came from one of its executions (ledger)', succeeded, real),
    invariant('every execution in the ledger is of an attempt the coordinator made', ledger.size, fenced),
    invariant('no attempt executed more often than the faults around it explain (1 + faults injected between its first and last start)', ledger.size, bounded),
    invariant('the ledger has no torn or orphan lines', lines.total, lines.bad),
  ]
  return { results, figures: { succeededAttempts, allAttempts, tasks } }
}
