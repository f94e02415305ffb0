import type { TaskLogLine } from './task-log-reader.js'

const FIXED = new Set(['ts', 'level', 'stream', 'msg'])
const LEVEL_COLOR: Record<string, string> = { warn: '\x1b[33m', error: '\x1b[31m', fatal: '\x1b[31m' }

/**
 * `HH:MM:SS.mmm task#attempt [stream] message`, in local time. A `ctx.log` record shows its
 * level when it is not `info` and its structured fields as compact JSON after the message.
 */
export function formatTaskLogLine(line: TaskLogLine, options: { color?: boolean } = {}): string {
  const { record } = line
  const fields: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) if (!FIXED.has(k)) fields[k] = v
  const level = record.stream === 'log' && record.level !== 'info' ? `${record.level.toUpperCase()} ` : ''
  const shownLevel = level && options.color && LEVEL_COLOR[record.level] ? `${LEVEL_COLOR[record.level]}${level}\x1b[0m` : level
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''
  return `${clock(record.ts)} ${line.taskId}#${line.attempt} [${record.stream}] ${shownLevel}${record.msg}${extra}`
}

/** One JSON object per line: the attempt's ids, then the record. */
export function formatTaskLogJson(line: TaskLogLine): string {
  return JSON.stringify({ runId: line.runId, taskId: line.taskId, attempt: line.attempt, ...line.record })
}

function clock(ts: string): string {
  const d = new Date(ts)
  if (Number.isNaN(d.getTime())) return ts
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
}
