import Table from 'cli-table3'
import { formatDuration, type AlertView, type DeadLetterView, type Freshness, type RunDetails, type RunSummary, type WorkflowSummary } from '@baton/shared'
import { mapNote } from './map-note.js'
import type { RunTraceLink } from './run-trace-link.js'

const COLOR: Record<string, string> = {
  succeeded: '\x1b[32m',
  failed: '\x1b[31m',
  upstream_failed: '\x1b[31m',
  running: '\x1b[36m',
  retrying: '\x1b[33m',
  queued: '\x1b[34m',
  skipped: '\x1b[90m',
  cancelled: '\x1b[35m',
}

/** A status word, coloured when writing to a terminal. */
export function status(s: string): string {
  return process.stdout.isTTY && COLOR[s] ? `${COLOR[s]}${s}\x1b[0m` : s
}

function took(start: string | null, end: string | null): string {
  return start && end ? formatDuration(new Date(end).getTime() - new Date(start).getTime()) : ''
}

const ms = (v: number | null): string => (v === null ? '-' : formatDuration(v))

function brief(v: unknown, max = 60): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } })
}

/** Sample rows of a failed check as a table when they are objects, else as JSON lines. */
function sampleText(sample: unknown): string {
  if (!Array.isArray(sample) || sample.length === 0) return sample === null || sample === undefined ? '' : brief(sample, 400)
  if (sample.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
    const cols = [...new Set(sample.flatMap((r) => Object.keys(r as object)))]
    const t = table(cols)
    for (const r of sample.slice(0, 20)) t.push(cols.map((c) => brief((r as Record<string, unknown>)[c], 40)))
    return `${t.toString()}${sample.length > 20 ? `\n(${sample.length - 20} more rows in --json)` : ''}`
  }
  return sample.slice(0, 20).map((r) => brief(r, 200)).join('\n')
}

/**
 * The human view of one run: a header (with its trace when given) and a task table; with
 * `attempts`, every attempt with its queue wait, duration and backoff, and failed checks with
 * their details and sample of bad rows.
 */
export function formatRun(run: RunDetails, trace?: RunTraceLink, options: { attempts?: boolean } = {}): string {
  const head = [
    `run        ${run.id}`,
    `workflow   ${run.workflow}`,
    `status     ${status(run.status)}${run.cancelReason ? ` (${run.cancelReason})` : ''}`,
    `partition  ${run.partition ?? '-'}`,
    `params     ${JSON.stringify(run.params)}`,
    `trigger    ${run.trigger}   started ${run.startedAt ?? '-'}   took ${took(run.startedAt, run.finishedAt) || '-'}`,
    ...(trace ? [`trace      ${trace.traceUrl ?? trace.traceId}`] : []),
    ...(run.parent ? [`parent     run ${run.parent.runId} (task ${run.parent.taskId}, attempt ${run.parent.attempt})`] : []),
    ...run.children.map((c) => `child      run ${c.runId} of ${c.workflow} (task ${c.taskId}, attempt ${c.attempt}): ${c.status}`),
  ].join('\n')
  const tasks = table(['task', 'status', 'attempts', 'took', 'output / error'])
  for (const t of run.tasks) {
    const err = t.error as { message?: string } | null
    const note = t.map ? `${mapNote(t.map)}${err?.message ? `\nerror: ${brief(err.message)}` : ''}` : err?.message ? `error: ${brief(err.message)}` : t.waitingFor ? `waiting: ${t.waitingFor}` : brief(t.output)
    tasks.push([t.id, status(t.status), String(t.attempts), took(t.startedAt, t.finishedAt), note])
  }
  let out = `${head}\n${tasks.toString()}\n${approvalLines(run)}${mappedLines(run)}`
  if (!options.attempts) return out
  const attempts = table(['task', 'attempt', 'status', 'worker', 'backoff', 'queue wait', 'ran', 'error'])
  for (const t of run.tasks) {
    for (const a of t.attemptDetails) {
      const err = a.error as { message?: string; kind?: string } | null
      attempts.push([t.id, String(a.attempt), status(a.status), a.workerId ?? '-', ms(a.backoffMs), ms(a.queueWaitMs), ms(a.durationMs), err?.message ? brief(`${err.kind && err.kind !== 'error' ? `[${err.kind}] ` : ''}${err.message}`, 50) : ''])
    }
  }
  if (run.tasks.some((t) => t.attemptDetails.length > 0)) out += `\nattempts\n${attempts.toString()}\n`
  for (const t of run.tasks) {
    if (!t.check || t.check.passed) continue
    out += `\ncheck ${t.id} failed: ${brief(t.check.details, 200) || '(no details)'}\n`
    const sample = sampleText(t.check.sample)
    if (sample) out += `sample of bad rows:\n${sample}\n`
  }
  return out
}

/** One line per mapped task that has instances: the command listing them. */
function mappedLines(run: RunDetails): string {
  const lines = run.tasks.filter((t) => t.map && (t.map.total ?? 0) > 0).map((t) => `instances of ${t.id}: baton instances ${run.id} ${t.id}${(t.map!.counts.failed ?? 0) > 0 ? ` [--status failed]` : ''}\n`)
  return lines.length > 0 ? `\n${lines.join('')}` : ''
}

/**
 * One line per approval task that is waiting or decided: waiting with its deadline (and the
 * command that decides it), or who decided, when, and why (the task's output
 * `{ approved, by, reason, at }`; a rejection or a timeout is the task's error).
 */
function approvalLines(run: RunDetails): string {
  let out = ''
  for (const t of run.tasks) {
    if (t.kind !== 'approval') continue
    const err = t.error as { message?: string; kind?: string } | null
    const decided = t.output as { approved?: unknown; by?: unknown; reason?: unknown; at?: unknown } | null
    if (t.status === 'running') {
      out += `approval ${t.id}: waiting for a decision${t.deadline ? ` until ${t.deadline}` : ' (no deadline)'}: baton approve|reject ${run.id} ${t.id}\n`
    } else if (t.status === 'succeeded' && decided?.approved === true) {
      out += `approval ${t.id}: approved by ${String(decided.by)} at ${String(decided.at ?? t.finishedAt)}${typeof decided.reason === 'string' && decided.reason ? `: ${decided.reason}` : ''}\n`
    } else if (t.status === 'succeeded') {
      out += `approval ${t.id}: succeeded${t.finishedAt ? ` at ${t.finishedAt}` : ''} (marked by hand)\n`
    } else if (t.status === 'failed' && err?.kind === 'approval_rejected') {
      out += `approval ${t.id}: ${err.message ?? 'rejected'} (at ${t.finishedAt ?? '-'})\n`
    } else if (t.status === 'failed' && err?.kind === 'approval_timeout') {
      out += `approval ${t.id}: timed out at ${t.finishedAt ?? '-'}: ${err.message ?? 'no decision within the timeout'}\n`
    } else if (t.status === 'failed') {
      out += `approval ${t.id}: failed${err?.message ? `: ${err.message}` : ''}\n`
    }
  }
  return out ? `\n${out}` : ''
}

/** The human view of a list of runs; a failed run shows its first failed task and error. */
export function formatRuns(runs: RunSummary[]): string {
  if (runs.length === 0) return 'no runs\n'
  const t = table(['run', 'workflow', 'status', 'partition', 'trigger', 'tasks', 'created', 'error'])
  for (const r of runs) t.push([r.id, r.workflow, status(r.status), r.partition ?? '', r.trigger, `${r.tasksTerminal}/${r.tasksTotal}`, r.createdAt, r.error ? `${r.error.taskId}: ${brief(r.error.message, 50)}` : ''])
  return `${t.toString()}\n`
}

function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : s < 172800 ? `${Math.round(s / 3600)}h ago` : `${Math.round(s / 86400)}d ago`
}

/** `baton workflows`. */
export function formatWorkflows(rows: WorkflowSummary[]): string {
  if (rows.length === 0) return 'no workflow is deployed (baton deploy PATH)\n'
  const t = table(['workflow', 'owner', 'schedule (next run)', 'data gate', 'state', 'last run'])
  for (const w of rows) {
    const schedule = w.schedule ? `${w.schedule.cron} ${w.schedule.timezone}${w.schedule.nextFireLocal ? `\nnext ${w.schedule.nextFireLocal}` : ''}` : '-'
    const gate = w.gate ? `${w.gate.sourcesLanded.join(' + ')} by ${w.gate.partition}${w.gate.expectBy ? `\nexpected by ${w.gate.expectBy}` : ''}` : '-'
    const last = w.lastRun ? `${status(w.lastRun.status)} ${w.lastRun.partition ?? ''}\n${ago(w.lastRun.createdAt)}` : 'no run'
    t.push([w.name, w.owner ?? '-', schedule, gate, w.archivedAt ? `archived` : w.paused ? 'paused' : 'active', last])
  }
  return `${t.toString()}\n`
}

/** `baton status`: one line per workflow, with what is missing. */
export function formatFreshness(rows: Freshness[]): string {
  if (rows.length === 0) return 'no active workflow (baton deploy PATH)\n'
  const age = (s: number | null) => (s === null ? '-' : s < 3600 ? `${Math.round(s / 60)}m` : s < 172800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`)
  return rows
    .map((r) => {
      const sla = r.withinSla === null ? '' : r.withinSla ? '  within SLA' : '  SLA MISSED'
      const missing = r.missing.length ? `  — ${r.missing.join('; ')}` : ''
      const success = r.ageSeconds === null ? 'never succeeded' : `last success ${r.lastSuccessPartition ?? '(no partition)'} ${age(r.ageSeconds)} ago`
      return `${r.workflow.padEnd(24)} ${r.state.padEnd(9)} latest ${r.latestPartition ?? '-'} (${r.latestStatus ?? 'no run'}), ${success}${sla}${r.produces.length ? `  produces ${r.produces.join(', ')}` : ''}${missing}\n`
    })
    .join('')
}

/** `baton alerts`. */
export function formatAlerts(rows: AlertView[]): string {
  if (rows.length === 0) return 'no alerts\n'
  const t = table(['id', 'kind', 'status', 'workflow / partition', 'owner', 'deliveries', 'raised', 'summary'])
  for (const a of rows) {
    const deliveries = a.deliveries.length
      ? a.deliveries.map((d) => `${d.channel} ${d.action} ${d.status}${d.attempts > 1 || d.status === 'retrying' ? ` (${d.attempts} attempts)` : ''}${d.status === 'retrying' && d.lastError ? `\n  ${brief(d.lastError, 40)}` : ''}`).join('\n')
      : 'no route'
    const where = a.workflow ? `${a.workflow}${a.partition ? ` ${a.partition}` : ''}` : '-'
    t.push([String(a.id), a.kind, `${a.status}${a.count > 1 ? ` ×${a.count}` : ''}`, where, a.owner ?? '-', deliveries, ago(a.createdAt), brief(a.summary, 60)])
  }
  return `${t.toString()}\n`
}

/** `baton dead-letters`. */
export function formatDeadLetters(rows: DeadLetterView[]): string {
  if (rows.length === 0) return 'no dead letters\n'
  const t = table(['received', 'subject', 'reason'])
  for (const d of rows) t.push([d.count > 1 ? `${d.receivedAt}\n×${d.count}, last ${d.lastAt}` : d.receivedAt, d.subject, brief(d.reason, 100)])
  return `${t.toString()}\n`
}
