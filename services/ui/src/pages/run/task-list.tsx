import { useMemo } from 'react'
import { StatusMark, statusLabel } from '../../ui/status'
import { formatDuration } from '../../ui/time'
import { latestAttempt, type RunTask } from './run-patch'
import { VirtualListbox } from './virtual-listbox'

/** Statuses that need a look first, in that order; the rest keep the run's (topological) order. */
const URGENCY: Record<string, number> = { failed: 0, running: 1, retrying: 2, upstream_failed: 3, queued: 4, cancelled: 5 }

/** A task's latest duration in words (running: so far). */
export function taskDuration(task: RunTask, now: number): string {
  const a = latestAttempt(task)
  if (!a) return ''
  if (a.durationMs !== null) return formatDuration(a.durationMs)
  if (a.startedAt && !a.finishedAt) return `${formatDuration(now - Date.parse(a.startedAt))} so far`
  return ''
}

/**
 * Every task of the run as a keyboard list (failed and running first): the task panel's
 * contents before a task is picked, and the way to a task without the mouse.
 */
export function TaskList({ tasks, now, onSelect }: { tasks: readonly RunTask[]; now: number; onSelect: (id: string) => void }) {
  const ordered = useMemo(() => tasks.map((t, i) => ({ t, i })).sort((a, b) => (URGENCY[a.t.status] ?? 9) - (URGENCY[b.t.status] ?? 9) || a.i - b.i).map((x) => x.t), [tasks])
  return (
    <VirtualListbox
      label="Tasks of this run (arrow keys move, Enter opens the task)"
      idPrefix="task-row"
      className="task-list"
      count={ordered.length}
      rowHeight={30}
      maxHeight={520}
      selectedIndex={null}
      onChoose={(i) => onSelect(ordered[i]!.id)}
      rowLabel={(i) => {
        const t = ordered[i]!
        return `${t.id}, ${statusLabel(t.status)}${t.attempts > 1 ? `, ${t.attempts} attempts` : ''}`
      }}
      renderRow={(i) => {
        const t = ordered[i]!
        return (
          <div className="task-row">
            <StatusMark status={t.status} />
            <span className="task-row-id">{t.id}</span>
            {t.kind !== 'task' ? <span className="tag">{t.kind}</span> : null}
            <span className="muted task-row-meta">
              {statusLabel(t.status)}
              {t.attempts > 1 ? ` · ${t.attempts} attempts` : ''}
              {taskDuration(t, now) ? ` · ${taskDuration(t, now)}` : ''}
            </span>
          </div>
        )
      }}
    />
  )
}
