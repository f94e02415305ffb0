import { useMemo, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { api, toApiError, type Schemas } from '../../api/client'
import { errorWords, newKey, OutcomeLine, type Outcome } from './action-forms'

/** What unpausing does with what was held, from the schedule's catch-up policy. */
function catchupWords(wf: Schemas['WorkflowDetails']): string {
  const parts: string[] = []
  if (wf.schedule) {
    const c = wf.schedule.catchup
    parts.push(
      c === 'latest'
        ? 'only the latest cron tick held while paused runs (catch-up policy: latest)'
        : c === 'all'
          ? 'every cron tick held while paused runs (catch-up policy: all)'
          : c === 'none'
            ? 'cron ticks held while paused are dropped (catch-up policy: none)'
            : `held cron ticks run as the catch-up policy "${c}" says`,
    )
  }
  if (wf.gate) parts.push('partitions whose sources landed while paused start their runs')
  return parts.length ? `On unpause, ${parts.join('; ')}. The policy is part of the definition; the API takes no other choice here.` : 'Nothing is held while paused (no schedule or data gate): manual runs work either way.'
}

/**
 * "Pause" / "Unpause" with a reason. Pausing holds cron ticks and landed partitions (manual runs
 * and backfills still work); unpausing releases them as the definition's catch-up policy says,
 * which is shown before confirming.
 */
export function PauseForm({ wf, onClose }: { wf: Schemas['WorkflowDetails']; onClose: () => void }) {
  const queryClient = useQueryClient()
  const pausing = !wf.paused
  const verb = pausing ? 'Pause' : 'Unpause'
  const [reason, setReason] = useState('')
  // One key per verb: a double click is one request, and the next pause/unpause is a new one.
  const key = useMemo(() => newKey(`ui-${verb.toLowerCase()}`), [verb])
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)

  const submit = async () => {
    setBusy(true)
    setOutcome({ tone: 'pending', text: `${pausing ? 'Pausing' : 'Unpausing'}…` })
    try {
      const init = { params: { path: { name: wf.name }, query: { wait: 5 }, header: { 'idempotency-key': key } }, body: reason.trim() ? { reason: reason.trim() } : {} }
      const answer = pausing ? await api.POST('/workflows/{name}/pause', init) : await api.POST('/workflows/{name}/unpause', init)
      if (answer.data) {
        const done = answer.data.outcome === 'applied'
        setReason('')
        setOutcome({ tone: done ? 'ok' : 'pending', text: done ? `${wf.name} is ${answer.data.paused ? 'paused' : 'active'} now.` : 'Accepted; a coordinator applies it shortly.' })
        const refresh = () => {
          void queryClient.invalidateQueries({ queryKey: ['get', '/workflows/{name}'] })
          void queryClient.invalidateQueries({ queryKey: ['workflow-paused-by', wf.name] })
        }
        refresh()
        // Pending: a coordinator applies it soon, and no event announces it; look again twice.
        if (!done) for (const ms of [2000, 6000]) window.setTimeout(refresh, ms)
      } else setOutcome({ tone: 'err', text: errorWords(answer.response.status, answer.error) })
    } catch (e) {
      setOutcome({ tone: 'err', text: toApiError(e).message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel wp-action-panel" aria-labelledby="wp-pause-title">
      <h2 id="wp-pause-title">
        {verb} {wf.name}
      </h2>
      <p className="wp-hint">
        {pausing ? 'Cron ticks and landed partitions are recorded but start no run until it is unpaused. Manual runs, backfills and operator actions still work.' : catchupWords(wf)}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <div className="wp-form-row">
          <label>
            Reason (recorded in the audit log)
            <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} placeholder={pausing ? 'e.g. upstream outage INC-123' : 'e.g. upstream fixed'} maxLength={2000} autoFocus />
          </label>
          <button type="submit" className={pausing ? 'danger' : 'primary'} disabled={busy}>
            Confirm {verb.toLowerCase()}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      <OutcomeLine outcome={outcome} />
    </section>
  )
}
