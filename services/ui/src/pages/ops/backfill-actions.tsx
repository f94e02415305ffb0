import { useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/client'
import { useCan } from '../../auth/auth-context'
import { actionOutcome, unreachableOutcome, type ActionOutcome } from '../../ui/action-outcome'
import { canBeCancelled, hasFailuresToRerun, type Backfill } from '../../ui/backfill-progress'
import { InlineConfirm, OutcomeText } from './ops-bits'

/** Seconds the API waits for a coordinator to apply an action before answering 202. */
const WAIT_SECONDS = 5

/**
 * "Cancel backfill" (while it runs, with a confirmation and a reason) and "Rerun failed" (once it
 * finished with failed or cancelled runs: a new backfill over the same range). They render only
 * for a caller whose grants include `backfill` (GET /backfills carries no per-backfill
 * `allowed`, so a scoped grant relies on the API's 403, shown in words). A rerun selects the new
 * backfill.
 */
export function BackfillActions({ backfill, onRerun }: { backfill: Backfill; onRerun: (newId: string) => void }) {
  const can = useCan()
  const queryClient = useQueryClient()
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null)
  if (!can('backfill')) return <p className="muted">Your role cannot cancel or rerun backfills (it needs the backfill permission).</p>

  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['get', '/backfills'] }), queryClient.invalidateQueries({ queryKey: ['get', '/backfills/{id}'] })])
  const run = async (send: () => Promise<{ response: Response; error?: unknown; data?: { backfillId: string } }>, done: string, after?: (id: string) => void) => {
    setBusy(true)
    setOutcome(null)
    try {
      const answer = await send()
      setOutcome(actionOutcome({ status: answer.response.status, error: answer.error }, done))
      if (answer.data && after) after(answer.data.backfillId)
      await refresh()
    } catch (e) {
      setOutcome(unreachableOutcome(e))
    } finally {
      setBusy(false)
    }
  }
  const path = { id: backfill.id }
  const cancel = (reason: string) =>
    run(() => api.POST('/backfills/{id}/cancel', { params: { path, query: { wait: WAIT_SECONDS } }, body: reason ? { reason } : {} }), 'Backfill cancelled')
  const rerun = () => run(() => api.POST('/backfills/{id}/rerun', { params: { path, query: { wait: WAIT_SECONDS } }, body: { rerun: 'failed' } }), 'Rerun started as a new backfill', onRerun)

  return (
    <div className="ops-actions">
      {canBeCancelled(backfill) ? (
        <InlineConfirm
          label="Cancel backfill"
          confirmLabel="Yes, cancel it"
          question={`Cancel its queued and running runs?`}
          withReason
          busy={busy}
          onConfirm={(reason) => void cancel(reason)}
        />
      ) : null}
      {hasFailuresToRerun(backfill) ? (
        <button type="button" onClick={() => void rerun()} disabled={busy} title="A new backfill over the same range that runs the partitions whose latest run failed or was cancelled">
          Rerun failed
        </button>
      ) : null}
      {!canBeCancelled(backfill) && !hasFailuresToRerun(backfill) && !outcome ? <span className="muted">Finished: nothing to cancel or rerun.</span> : null}
      <OutcomeText outcome={outcome} />
    </div>
  )
}
