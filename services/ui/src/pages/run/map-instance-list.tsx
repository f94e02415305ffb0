import { toApiError } from '../../api/client'
import { orderedCounts } from '../../ui/map-counts'
import { StatusMark, statusLabel } from '../../ui/status'
import { Empty } from '../../ui/states'
import { formatDuration } from '../../ui/time'
import { useMapInstances } from './instance-query'
import type { RunTask } from './run-patch'
import { FINISHED_TASK_STATUSES } from './run-patch'
import { VirtualListbox } from './virtual-listbox'

/** Characters of an instance's element shown on its row (the instance's panel shows all of it). */
const ELEMENT_PREVIEW = 60

function preview(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? '')
  return s.length > ELEMENT_PREVIEW ? `${s.slice(0, ELEMENT_PREVIEW - 1)}…` : s
}

/**
 * A mapped task's instances in its panel: the counts by status (each a filter: ?instances=STATUS)
 * and the instances in index order, a page at a time ("Show more"), as a keyboard list; choosing
 * one opens it (?task=load[3]) like any task.
 */
export function MapInstanceList({ runId, task, status, onStatus, onSelect }: { runId: string; task: RunTask & { map: NonNullable<RunTask['map']> }; status: string | null; onStatus: (s: string | null) => void; onSelect: (id: string) => void }) {
  const map = task.map
  const query = useMapInstances(runId, task.id, status, !FINISHED_TASK_STATUSES.has(task.status))
  const rows = query.data?.pages.flatMap((p) => p.instances) ?? []
  const counts = orderedCounts(query.data?.pages[0]?.counts ?? map.counts)
  const total = map.total
  return (
    <section className="map-instances" aria-label={`Instances of ${task.id}`} data-testid="map-instances">
      <h3>
        Instances{' '}
        <span className="muted">
          {total === null ? `(the list from ${map.from}${map.key ? `.${map.key}` : ''} is not read yet)` : `${total.toLocaleString()} over ${map.from}${map.key ? `.${map.key}` : ''}${map.reduce ? ', reduced' : ''}`}
        </span>
      </h3>
      <div className="map-filter" role="group" aria-label="Show instances by status">
        <button type="button" aria-pressed={status === null} onClick={() => onStatus(null)}>
          all {total !== null ? total.toLocaleString() : ''}
        </button>
        {counts.map(([s, n]) => (
          <button key={s} type="button" aria-pressed={status === s} onClick={() => onStatus(status === s ? null : s)} data-status={s}>
            <StatusMark status={s} /> {n.toLocaleString()} {statusLabel(s)}
          </button>
        ))}
      </div>
      {query.isError ? (
        <Empty>Could not read the instances: {toApiError(query.error).message}</Empty>
      ) : query.isPending ? (
        <p className="muted">Reading instances…</p>
      ) : rows.length === 0 ? (
        <Empty>{status ? `No instance is ${statusLabel(status)}.` : total === 0 ? 'The list was empty: the task had nothing to run.' : 'No instances yet: they are created when the list is read.'}</Empty>
      ) : (
        <VirtualListbox
          label={`Instances of ${task.id} (arrow keys move, Enter opens the instance)`}
          idPrefix="instance-row"
          className="task-list instance-list"
          count={rows.length}
          rowHeight={30}
          maxHeight={360}
          selectedIndex={null}
          onChoose={(i) => onSelect(rows[i]!.id)}
          rowLabel={(i) => {
            const r = rows[i]!
            return `${r.id}, ${statusLabel(r.status)}${r.attempts > 1 ? `, ${r.attempts} attempts` : ''}`
          }}
          renderRow={(i) => {
            const r = rows[i]!
            const err = (r.error as { message?: unknown } | null)?.message
            return (
              <div className="task-row" data-instance={r.id}>
                <StatusMark status={r.status} />
                <span className="task-row-id mono">{r.id}</span>
                <span className="muted instance-element" title={typeof err === 'string' ? err : preview(r.element)}>
                  {typeof err === 'string' ? `error: ${err}` : preview(r.element)}
                </span>
                <span className="muted task-row-meta">
                  {r.attempts > 1 ? `${r.attempts} attempts · ` : ''}
                  {r.durationMs !== null ? formatDuration(r.durationMs) : statusLabel(r.status)}
                </span>
              </div>
            )
          }}
        />
      )}
      {query.hasNextPage ? (
        <button type="button" className="map-more" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {query.isFetchingNextPage ? 'Reading…' : `Show more (${rows.length.toLocaleString()} shown)`}
        </button>
      ) : null}
    </section>
  )
}
