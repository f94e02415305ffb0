import Table from 'cli-table3'
import { formatDuration, type RunDetails, type RunSummary } from '@baton/shared'
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

function brief(v: unknown, max = 60): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

/** The human view of one run: a header (with its trace when given) and a task table. */
export function formatRun(run: RunDetails, trace?: RunTraceLink): string {
  const head = [
    `run        ${run.id}`,
    `workflow   ${run.workflow}`,
    `status     ${status(run.status)}${run.cancelReason ? ` (${run.cancelReason})` : ''}`,
    `partition  ${run.partition ?? '-'}`,
    `params     ${JSON.stringify(run.params)}`,
    `trigger    ${run.trigger}   started ${run.startedAt ?? '-'}   took ${took(run.startedAt, run.finishedAt) || '-'}`,
    ...(trace ? [`trace      ${trace.traceUrl ?? trace.traceId}`] : []),
  ].join('\n')
  const table = new Table({ head: ['task', 'status', 'attempts', 'took', 'output / error'], style: { head: [], border: [] } })
  for (const t of run.tasks) {
    const err = t.error as { message?: string } | null
    table.push([t.id, status(t.status), String(t.attempts), took(t.startedAt, t.finishedAt), err?.message ? `error: ${brief(err.message)}` : brief(t.output)])
  }
  return `${head}\n${table.toString()}\n`
}

/** The human view of a list of runs. */
export function formatRuns(runs: RunSummary[]): string {
  const table = new Table({ head: ['run', 'workflow', 'status', 'partition', 'trigger', 'tasks', 'created'], style: { head: [], border: [] } })
  for (const r of runs) table.push([r.id, r.workflow, status(r.status), r.partition ?? '', r.trigger, `${r.tasksTerminal}/${r.tasksTotal}`, r.createdAt])
  return `${table.toString()}\n`
}
