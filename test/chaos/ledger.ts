import { readFileSync } from 'node:fs'

/**
 * The execution ledger: one JSON line per execution start and end, appended by every fixture
 * task (fixtures/handlers.ts, workflows.ts's SH_TASK) in every worker process. The ground truth
 * of how often each (run, task, attempt) really ran, whatever the database says.
 */

/** One execution of one attempt. */
export interface Execution {
  readonly exec: string
  readonly pid: number
  readonly startedAt: number
  /** Undefined: it never reached its end (the worker died, or it is still running). */
  endedAt?: number
  ok?: boolean
}

/** Executions by `run/task/attempt`. */
export type Ledger = Map<string, Execution[]>

/** The key of an attempt. */
export function attemptKey(runId: string, taskId: string, attempt: number): string {
  return `${runId}/${taskId}/${attempt}`
}

interface Line {
  e: 'start' | 'end'
  run: string
  task: string
  attempt: number
  exec: string
  pid: number
  t: number
  ok: boolean | null
}

/** Reads the ledger file. Lines that do not parse are returned apart (a torn write is a finding). */
export function readLedger(path: string): { ledger: Ledger; lines: { total: number; bad: string[] } } {
  const ledger: Ledger = new Map()
  const byExec = new Map<string, Execution>()
  const badLines: string[] = []
  let total = 0
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue
    total++
    let l: Line
    try {
      l = JSON.parse(text) as Line
    } catch {
      badLines.push(text)
      continue
    }
    if (l.e === 'start') {
      const x: Execution = { exec: l.exec, pid: l.pid, startedAt: l.t }
      byExec.set(l.exec, x)
      const k = attemptKey(l.run, l.task, l.attempt)
      ledger.set(k, [...(ledger.get(k) ?? []), x])
    } else {
      const x = byExec.get(l.exec)
      if (!x) badLines.push(text)
      else {
        x.endedAt = l.t
        x.ok = l.ok === true
      }
    }
  }
  return { ledger, lines: { total, bad: badLines } }
}
