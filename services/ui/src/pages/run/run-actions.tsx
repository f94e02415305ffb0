import { useState } from 'react'
import { api } from '../../api/client'
import { useCan } from '../../auth/auth-context'
import { ConfirmBox, OutcomeNote, ReasonField, useRunAction } from './action-bits'
import type { RunDetails } from './run-patch'

/**
 * The run's own actions, each shown only when the caller may use it and it applies: "Retry from
 * failure" on a failed or cancelled run, "Cancel run" (with a reason, after a confirmation) on a
 * queued or running one.
 */
export function RunActions({ run }: { run: RunDetails }) {
  const can = useCan(run.allowed)
  const action = useRunAction(run.id)
  const [confirmCancel, setConfirmCancel] = useState(false)
  const [reason, setReason] = useState('')
  const path = { params: { path: { id: run.id } } }
  const retryable = can('retry') && (run.status === 'failed' || run.status === 'cancelled')
  const cancellable = can('cancel') && (run.status === 'queued' || run.status === 'running')

  const cancel = async () => {
    const r = reason.trim()
    const outcome = await action.send('Cancel run', () => api.POST('/runs/{id}/cancel', { ...path, body: r ? { reason: r } : {} }))
    if (outcome.tone !== 'error') {
      setConfirmCancel(false)
      setReason('')
    }
  }

  if (!retryable && !cancellable && !action.outcome && !action.busy) return null
  return (
    <div className="run-actions">
      <div className="run-actions-buttons">
        {retryable ? (
          <button type="button" className="primary" disabled={action.busy} onClick={() => void action.send('Retry from failure', () => api.POST('/runs/{id}/retry', { ...path, body: {} }))}>
            Retry from failure
          </button>
        ) : null}
        {cancellable && !confirmCancel ? (
          <button type="button" className="danger" disabled={action.busy} onClick={() => setConfirmCancel(true)}>
            Cancel run
          </button>
        ) : null}
      </div>
      {cancellable && confirmCancel ? (
        <ConfirmBox title="Cancel this run? Queued and running tasks are cancelled; running attempts are told to stop." confirmLabel="Cancel run" danger busy={action.busy} onConfirm={() => void cancel()} onCancel={() => setConfirmCancel(false)}>
          <ReasonField value={reason} onChange={setReason} />
        </ConfirmBox>
      ) : null}
      <OutcomeNote action={action} />
    </div>
  )
}
