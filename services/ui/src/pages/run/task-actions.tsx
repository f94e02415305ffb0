import { useState } from 'react'
import { api } from '../../api/client'
import { useCan } from '../../auth/auth-context'
import { formatAgo, Time } from '../../ui/time'
import { ConfirmBox, OutcomeNote, ReasonField, useRunAction } from './action-bits'
import { awaitingApproval, FINISHED_RUN_STATUSES, type RunDetails, type RunTask } from './run-patch'

type Pending = null | 'clear' | 'mark'

/**
 * A task's actions, each only when the caller may use it: "Clear" (runs it again, optionally with
 * its downstream), "Mark as…" succeeded or failed (with a required reason), and, on an approval
 * task awaiting a decision, "Approve" / "Reject" with an optional comment and its deadline.
 * Clear and mark ask for confirmation first. Nothing applies to a run that has not started.
 */
export function TaskActions({ run, task, zone }: { run: RunDetails; task: RunTask; zone: string | null }) {
  const can = useCan(run.allowed)
  const action = useRunAction(run.id)
  const [pending, setPending] = useState<Pending>(null)
  const [withDownstream, setWithDownstream] = useState(true)
  const [markAs, setMarkAs] = useState<'succeeded' | 'failed'>(task.status === 'succeeded' ? 'failed' : 'succeeded')
  const [reason, setReason] = useState('')
  const [comment, setComment] = useState('')
  const started = run.status !== 'queued'
  const path = { params: { path: { id: run.id, taskId: task.id } } }
  const deciding = awaitingApproval(task)
  const showClear = can('clear') && started
  const showMark = can('mark') && started
  const showDecision = can('approve') && deciding

  const done = (tone: string) => {
    if (tone === 'error') return
    setPending(null)
    setReason('')
    setComment('')
  }
  const clear = async () => {
    const r = reason.trim()
    const o = await action.send(withDownstream ? 'Clear with downstream' : 'Clear', () => api.POST('/runs/{id}/tasks/{taskId}/clear', { ...path, body: { scope: withDownstream ? 'downstream' : 'task', ...(r ? { reason: r } : {}) } }))
    done(o.tone)
  }
  const mark = async () => {
    const o = await action.send(`Mark as ${markAs}`, () => api.POST('/runs/{id}/tasks/{taskId}/mark', { ...path, body: { status: markAs, reason: reason.trim() } }))
    done(o.tone)
  }
  const decide = async (decision: 'approve' | 'reject') => {
    const c = comment.trim()
    const body = c ? { reason: c } : {}
    const o = await action.send(decision === 'approve' ? 'Approve' : 'Reject', () =>
      decision === 'approve' ? api.POST('/runs/{id}/tasks/{taskId}/approve', { ...path, body }) : api.POST('/runs/{id}/tasks/{taskId}/reject', { ...path, body }),
    )
    done(o.tone)
  }

  if (!showClear && !showMark && !showDecision && !action.outcome) return null
  return (
    <section className="task-actions" aria-label="Task actions">
      {showDecision ? (
        <div className="approval">
          <p>
            <strong>Waiting for a decision.</strong>{' '}
            {task.deadline ? (
              <>
                Decide before <Time value={task.deadline} zone={zone} /> <span className="muted">({formatAgo(task.deadline)})</span>; then it times out.
              </>
            ) : (
              <span className="muted">No deadline.</span>
            )}
          </p>
          <label className="reason-field">
            <span>
              Comment <span className="muted">(optional, recorded in the run history)</span>
            </span>
            <textarea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
          </label>
          <div className="confirm-buttons">
            <button type="button" className="primary" disabled={action.busy} onClick={() => void decide('approve')}>
              Approve
            </button>
            <button type="button" className="danger" disabled={action.busy} onClick={() => void decide('reject')}>
              Reject
            </button>
          </div>
        </div>
      ) : null}
      {pending === null && (showClear || showMark) ? (
        <div className="confirm-buttons">
          {showClear ? (
            <button type="button" disabled={action.busy} onClick={() => setPending('clear')}>
              Clear
            </button>
          ) : null}
          {showMark ? (
            <button type="button" disabled={action.busy} onClick={() => setPending('mark')}>
              Mark as…
            </button>
          ) : null}
        </div>
      ) : null}
      {pending === 'clear' ? (
        <ConfirmBox
          title={`Clear ${task.id}? It runs again as a new attempt${task.status === 'running' ? ' (its running attempt is stopped)' : ''}${FINISHED_RUN_STATUSES.has(run.status) ? '; the finished run is reopened' : ''}.`}
          confirmLabel={withDownstream ? 'Clear with downstream' : 'Clear task'}
          danger
          busy={action.busy}
          onConfirm={() => void clear()}
          onCancel={() => setPending(null)}
        >
          <label className="check-field">
            <input type="checkbox" checked={withDownstream} onChange={(e) => setWithDownstream(e.target.checked)} /> with downstream (every task after it runs again too)
          </label>
          <ReasonField value={reason} onChange={setReason} />
        </ConfirmBox>
      ) : null}
      {pending === 'mark' ? (
        <ConfirmBox title={`Mark ${task.id} by hand? Its downstream then proceeds (succeeded) or fails closed (failed).`} confirmLabel={`Mark as ${markAs}`} danger canConfirm={reason.trim().length > 0} busy={action.busy} onConfirm={() => void mark()} onCancel={() => setPending(null)}>
          <fieldset className="mark-choice">
            <legend>Mark as</legend>
            {(['succeeded', 'failed'] as const).map((s) => (
              <label key={s}>
                <input type="radio" name="mark-as" value={s} checked={markAs === s} disabled={task.status === s} onChange={() => setMarkAs(s)} /> {s}
                {task.status === s ? <span className="muted"> (already)</span> : null}
              </label>
            ))}
          </fieldset>
          <ReasonField value={reason} onChange={setReason} required />
        </ConfirmBox>
      ) : null}
      <OutcomeNote action={action} />
    </section>
  )
}
