import { formatDuration, type MapInstancePage } from '@baton/shared'
import { status } from './format.js'
import { countsText } from './map-note.js'

// `baton instances`: a page of a mapped task's instances (the counts on `baton run`'s row of the
// mapped task are map-note.ts's).

function brief(v: unknown, max: number): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

/** `baton instances`: the counts line, then one line per instance; the command to read on when more remain. */
export function formatMapInstances(page: MapInstancePage, more: { runId: string; filter: string } | undefined): string {
  const head = `${page.taskId}: ${page.total === null ? 'list not read yet' : `${page.total} instance${page.total === 1 ? '' : 's'}`}${page.total ? `, ${countsText(page.counts)}` : ''}\n`
  if (page.instances.length === 0) return `${head}no instances${more?.filter ? ' match' : ''}\n`
  const w = Math.max(...page.instances.map((i) => i.id.length))
  const lines = page.instances.map((i) => {
    const err = (i.error as { message?: string } | null)?.message
    const took = i.durationMs === null ? '-' : formatDuration(i.durationMs)
    const note = err ? `error: ${brief(err, 60)}` : brief(i.element, 60)
    return `${i.id.padEnd(w)}  ${status(i.status)}${' '.repeat(Math.max(0, 15 - i.status.length))}  attempts ${String(i.attempts).padEnd(3)} ${took.padStart(8)}  ${note}`
  })
  const tail = page.nextAfter !== null && more ? `more: baton instances ${more.runId} ${page.taskId}${more.filter} --after ${page.nextAfter}\n` : ''
  return `${head}${lines.join('\n')}\n${tail}`
}
