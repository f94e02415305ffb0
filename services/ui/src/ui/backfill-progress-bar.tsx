import { backfillProgress, type Backfill } from './backfill-progress'

/** A backfill's progress as a bar of run statuses, with the same in words beside it. */
export function ProgressBar({ backfill, compact }: { backfill: Backfill; compact?: boolean }) {
  const p = backfillProgress(backfill)
  return (
    <div className={compact ? 'bf-progress bf-compact' : 'bf-progress'}>
      <div className="bf-bar" role="img" aria-label={p.text}>
        {p.segments.map((s) => (
          <span key={s.status} className={`st st-${s.status}`} style={{ flexGrow: s.count }} title={`${s.count} ${s.status === 'pending' ? 'not started' : s.status}`} />
        ))}
      </div>
      <span className="bf-text">{!compact ? p.text : p.planned ? `${p.finished}/${p.planned} (${p.percent}%)` : 'nothing to run'}</span>
    </div>
  )
}
