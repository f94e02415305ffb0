import type { Plan } from './plan.js'
import type { FinalState } from './final-state.js'
import { groupBy, invariant, type InvariantResult } from './invariant.js'
import { TERMINAL_RUN } from './read-db.js'

/**
 * Invariants about runs as a whole, from the database (read-only): every requested run exists
 * exactly once (and nothing else does), is terminal with consistent counters, ended as planned;
 * the outbox is empty and no timer is left for a finished run; each landing is recorded once and
 * each backfill once with its planned partitions.
 */
export function checkRuns(plan: Plan, state: FinalState): InvariantResult[] {
  const out: InvariantResult[] = []
  const runKey = (workflow: string, key: string): string => `${workflow}\u0000${key}`
  const byKey = groupBy(state.runs, (r) => runKey(r.workflow, r.idempotency_key))
  const expected = new Map(plan.expectedRuns.map((e) => [runKey(e.workflow, e.key), e]))
  const tasksByRun = groupBy(state.tasks, (t) => t.run_id)
  const taskSummary = (runId: string): string[] =>
    (tasksByRun.get(runId) ?? []).sort((a, b) => a.task_id.localeCompare(b.task_id)).map((t) => `${t.task_id}:${t.status}#${t.attempt}`)

  const existence: unknown[] = []
  for (const [k, e] of expected) {
    const rows = byKey.get(k) ?? []
    if (rows.length !== 1) existence.push({ problem: rows.length === 0 ? 'missing' : 'more than one run', workflow: e.workflow, key: e.key, runs: rows.map((r) => r.id) })
  }
  const incomplete = new Set(plan.incompletePartitions)
  for (const r of state.runs) {
    if (expected.has(runKey(r.workflow, r.idempotency_key))) continue
    const problem = r.partition !== null && incomplete.has(r.partition) && r.workflow === 'chaos_gated' ? 'a run for a partition whose sources never all landed' : 'unexpected run'
    existence.push({ problem, run: r.id, workflow: r.workflow, key: r.idempotency_key, trigger: r.trigger, status: r.status })
  }
  out.push(invariant('every requested run exists exactly once, and no other run', expected.size + state.runs.length, existence))

  const notTerminal = state.runs.filter((r) => !(TERMINAL_RUN as readonly string[]).includes(r.status))
  out.push(invariant('every run is terminal', state.runs.length, notTerminal.map((r) => ({ run: r.id, workflow: r.workflow, key: r.idempotency_key, status: r.status, tasks: taskSummary(r.id) }))))

  const wrong: unknown[] = []
  for (const [k, e] of expected) {
    const r = byKey.get(k)?.[0]
    if (r && !e.expected.includes(r.status as never)) wrong.push({ run: r.id, workflow: e.workflow, key: e.key, status: r.status, expected: e.expected, tasks: taskSummary(r.id) })
  }
  out.push(invariant('every run ended as planned (succeeded, failed beyond retries, or cancelled)', expected.size, wrong))

  const counters: unknown[] = []
  for (const r of state.runs) {
    const tasks = tasksByRun.get(r.id) ?? []
    const open = tasks.filter((t) => !['succeeded', 'failed', 'skipped', 'upstream_failed', 'cancelled'].includes(t.status))
    if (tasks.length !== r.tasks_total || r.tasks_terminal !== r.tasks_total || (r.status !== 'queued' && r.status !== 'running' && open.length > 0)) {
      counters.push({ run: r.id, status: r.status, tasks_total: r.tasks_total, tasks_terminal: r.tasks_terminal, task_rows: tasks.length, open: open.map((t) => `${t.task_id}:${t.status}`) })
    }
  }
  out.push(invariant("a finished run's tasks are all terminal and its counters agree", state.runs.length, counters))

  out.push(invariant('the outbox is empty', 1, state.outbox === 0 ? [] : [{ outboxRows: state.outbox }]))
  out.push(invariant('no timer is left for a finished (or missing) run', 1, state.strayTimers))

  const plannedLandings = new Set(plan.actions.flatMap((a) => (a.kind === 'landing' ? [a.eventId] : [])))
  const landingRows = groupBy(state.landings, (l) => l.event_id)
  const landingProblems: unknown[] = []
  for (const id of plannedLandings) {
    const n = landingRows.get(id)?.length ?? 0
    if (n !== 1) landingProblems.push({ eventId: id, recorded: n })
  }
  for (const [id, rows] of landingRows) if (!plannedLandings.has(id)) landingProblems.push({ eventId: id, problem: 'landing nobody published', rows })
  out.push(invariant('each landing event is recorded exactly once (duplicates and re-sends included)', plannedLandings.size, landingProblems))

  const backfillProblems: unknown[] = []
  for (const a of plan.actions) {
    if (a.kind !== 'backfill') continue
    const rows = state.backfills.filter((b) => b.id === a.id)
    if (rows.length !== 1 || rows[0]!.partitions !== a.partitions.length || rows[0]!.skipped !== 0) backfillProblems.push({ backfill: a.id, planned: a.partitions.length, rows })
  }
  out.push(invariant('each backfill is recorded once with its planned partitions', plan.actions.filter((a) => a.kind === 'backfill').length, backfillProblems))
  return out
}
