import { useEffect, useMemo, useRef, useState, type RefObject } from 'react'
import { formatDuration, formatTime } from '../../ui/time'
import { StatusMark, statusClass, statusLabel } from '../../ui/status'
import { fraction, ganttRange, ganttRows, timeTicks, type GanttRow, type GanttSegment, type TimeRange } from './gantt-bars'
import type { RunDetails } from './run-patch'
import { VirtualListbox } from './virtual-listbox'

const ROW_HEIGHT = 28

/** What each segment kind is, in words (legend, tooltips, row labels). */
const SEGMENT_WORDS: Record<GanttSegment['kind'], string> = {
  wait: 'Waiting in queue',
  run: 'Running',
  backoff: 'Retry backoff',
}

/** The width of an element, followed as it resizes (for the axis ticks). */
function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(0)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const observer = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0))
    observer.observe(el)
    return () => observer.disconnect()
  }, [])
  return [ref, width]
}

/** A segment's place on the track, as CSS percentages. */
function place(s: GanttSegment, range: TimeRange): { left: string; width: string } {
  const left = fraction(s.start, range)
  return { left: `${(left * 100).toFixed(3)}%`, width: `${((fraction(s.end, range) - left) * 100).toFixed(3)}%` }
}

const preciseTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 })
const preciseDate = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit' })

/** A time to the millisecond in the viewer's zone (segments are often sub-second). */
function exact(ms: number): string {
  const d = new Date(ms)
  return `${preciseDate.format(d)} ${preciseTime.format(d)}`
}

function segmentText(taskId: string, s: GanttSegment): string {
  const what =
    s.kind === 'run' ? `${SEGMENT_WORDS.run} (attempt ${s.attempt}, ${statusLabel(s.status)})` : s.kind === 'wait' ? `${SEGMENT_WORDS.wait} (attempt ${s.attempt})` : `${SEGMENT_WORDS.backoff} before attempt ${s.attempt}`
  return `${taskId} · ${what}: ${exact(s.start)} → ${s.open ? 'now (still going)' : preciseTime.format(new Date(s.end))} · ${formatDuration(s.end - s.start)}`
}

function rowLabel(row: GanttRow): string {
  const total = row.start !== null && row.end !== null ? `, ${formatDuration(row.end - row.start)} from first queueing to end` : ', not started'
  const attempts = row.attempts ? `, ${row.attempts} attempt${row.attempts > 1 ? 's' : ''}` : ''
  return `${row.taskId}, ${statusLabel(row.status)}${attempts}${total}`
}

/** The hover card: exact times and duration of one segment. */
interface Hover {
  text: string
  x: number
  y: number
}

/** The legend of the segment kinds, in words. */
export function SegmentLegend() {
  return (
    <ul className="legend gantt-legend" aria-label="Timeline legend">
      <li>
        <span className="seg-swatch seg-wait" aria-hidden="true" /> Waiting in queue (queued → started by a worker)
      </li>
      <li>
        <span className="seg-swatch seg-run st st-succeeded" aria-hidden="true" /> Running (coloured by the attempt’s status)
      </li>
      <li>
        <span className="seg-swatch seg-backoff" aria-hidden="true" /> Retry backoff (failed attempt → next attempt queued)
      </li>
    </ul>
  )
}

/**
 * The run as a Gantt chart: a row per task, and per attempt its retry backoff, queue wait and
 * run as distinct segments on one time axis (ticks as offsets from the run's start; hover a
 * segment for its exact times). Rows are a keyboard list; choosing one selects the task.
 */
export function RunTimeline({ run, now, selected, onSelect, maxAttemptsOf }: { run: RunDetails; now: number; selected: string | null; onSelect: (taskId: string) => void; maxAttemptsOf: ReadonlyMap<string, number> }) {
  const tasks = useMemo(() => run.tasks.map((t) => ({ ...t, maxAttempts: maxAttemptsOf.get(t.id) })), [run.tasks, maxAttemptsOf])
  const rows = useMemo(() => ganttRows(tasks, now), [tasks, now])
  const range = useMemo(() => ganttRange(rows, run, now), [rows, run, now])
  const [axisRef, axisWidth] = useWidth()
  const ticks = useMemo(() => timeTicks(range, axisWidth), [range, axisWidth])
  const [hover, setHover] = useState<Hover | null>(null)
  const selectedIndex = selected ? rows.findIndex((r) => r.taskId === selected) : null

  const grid = (
    <div className="gantt-grid" aria-hidden="true">
      {ticks.map((t) => (
        <span key={t.at} style={{ left: `${fraction(t.at, range) * 100}%` }} />
      ))}
    </div>
  )
  return (
    <div className="gantt" onMouseLeave={() => setHover(null)}>
      <div className="gantt-axis-row">
        <div className="gantt-label muted">
          Task <span className="sr-only">(the axis shows time since {formatTime(new Date(range.start).toISOString())})</span>
        </div>
        <div className="gantt-axis" ref={axisRef} aria-hidden="true">
          {ticks.map((t) => (
            <span key={t.at} className="gantt-tick" style={{ left: `${fraction(t.at, range) * 100}%` }}>
              {t.label}
            </span>
          ))}
        </div>
      </div>
      <VirtualListbox
        label="Tasks on the timeline (arrow keys move, Enter opens the task)"
        idPrefix="gantt-row"
        className="gantt-body"
        count={rows.length}
        rowHeight={ROW_HEIGHT}
        maxHeight={620}
        selectedIndex={selectedIndex !== null && selectedIndex >= 0 ? selectedIndex : null}
        onChoose={(i) => onSelect(rows[i]!.taskId)}
        rowLabel={(i) => rowLabel(rows[i]!)}
        underlay={grid}
        renderRow={(i) => {
          const row = rows[i]!
          return (
            <div className="gantt-row">
              <div className="gantt-label" title={row.taskId}>
                <StatusMark status={row.status} /> <span className="gantt-task">{row.taskId}</span>
                {row.attempts > 1 ? <span className="muted"> ×{row.attempts}</span> : null}
              </div>
              <div className="gantt-track">
                {row.segments.map((s, k) => (
                  <span
                    key={k}
                    className={`seg seg-${s.kind}${s.kind === 'run' ? ` ${statusClass(s.status)}` : ''}${s.open ? ' open' : ''}`}
                    style={place(s, range)}
                    onMouseEnter={(e) => setHover({ text: segmentText(row.taskId, s), x: e.clientX, y: e.clientY })}
                    onMouseMove={(e) => setHover((h) => (h ? { ...h, x: e.clientX, y: e.clientY } : h))}
                    onMouseLeave={() => setHover(null)}
                  />
                ))}
                {!row.segments.length ? <span className="gantt-none muted">{statusLabel(row.status)}</span> : null}
              </div>
            </div>
          )
        }}
      />
      {hover ? (
        <div className="gantt-hover" role="tooltip" style={{ left: hover.x + 14, top: hover.y + 14 }}>
          {hover.text}
        </div>
      ) : null}
      <SegmentLegend />
    </div>
  )
}
