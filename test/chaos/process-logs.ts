import { readFileSync } from 'node:fs'
import type { Member } from './fleet.js'
import { invariant, type InvariantResult } from './invariant.js'

/**
 * What the coordinators and workers logged (pino JSON on stderr, one file per process): warnings
 * and errors counted by message for the figures, and the lines that name a bug in Baton itself
 * (level fatal, or a message starting with `BUG`, such as a guarded write finding a row changed
 * outside its run lock) — those fail the run.
 */
export function scanLogs(members: readonly Member[]): { figures: Record<string, Record<string, number>>; result: InvariantResult } {
  const figures: Record<string, Record<string, number>> = { warn: {}, error: {} }
  const bugs: unknown[] = []
  let lines = 0
  for (const m of members) {
    for (const s of m.starts) {
      const file = m.logFile.replace(/\.\d+\.log$/, `.${s.generation}.log`)
      let text = ''
      try {
        text = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue
        lines++
        let rec: { level?: number; msg?: string }
        try {
          rec = JSON.parse(line) as { level?: number; msg?: string }
        } catch {
          continue
        }
        const level = rec.level ?? 0
        const msg = `${m.role}: ${rec.msg ?? '?'}`
        if (level >= 50) figures.error![msg] = (figures.error![msg] ?? 0) + 1
        else if (level >= 40) figures.warn![msg] = (figures.warn![msg] ?? 0) + 1
        if (level >= 60 || /^BUG\b/.test(rec.msg ?? '')) bugs.push({ process: `${m.name}#${s.generation}`, file, line: line.slice(0, 2000) })
      }
    }
  }
  return { figures, result: invariant('no process logged a bug in Baton itself (fatal, or a BUG line)', lines, bugs) }
}
