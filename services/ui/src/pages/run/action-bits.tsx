import { useState, type FormEvent, type ReactNode } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { actionOutcome, unreachableOutcome, type ActionAnswer, type ActionOutcome } from '../../ui/action-outcome'
import { runQueryKey } from './run-query'

/** An openapi-fetch POST's answer, as the action buttons read it. */
type PostAnswer = { data?: unknown; error?: unknown; response: Response }

/** A run action being sent: whether it is in flight, and how the last one ended. */
export interface RunAction {
  busy: boolean
  outcome: ActionOutcome | null
  /** Sends `post` (named `what` in the outcome), then re-reads the run. */
  send: (what: string, post: () => Promise<PostAnswer>) => Promise<ActionOutcome>
}

/**
 * Sends operator actions on a run and keeps their outcome in words (applied, pending, ignored
 * with the API's reason, or failed); every answer re-reads the run, since even an ignored action
 * means the page was out of date.
 */
export function useRunAction(runId: string): RunAction {
  const queryClient = useQueryClient()
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null)
  const send = async (what: string, post: () => Promise<PostAnswer>) => {
    setBusy(true)
    setOutcome(null)
    let result: ActionOutcome
    try {
      const answer = await post()
      result = actionOutcome({ status: answer.response.status, data: answer.data as ActionAnswer['data'], error: answer.error }, what)
    } catch (e) {
      result = unreachableOutcome(e)
    }
    setOutcome(result)
    setBusy(false)
    void queryClient.invalidateQueries({ queryKey: runQueryKey(runId), exact: true })
    return result
  }
  return { busy, outcome, send }
}

/** An action's outcome next to its button (announced to screen readers). */
export function OutcomeNote({ action }: { action: RunAction }) {
  if (action.busy)
    return (
      <span className="outcome outcome-busy" role="status">
        <span className="spinner" aria-hidden="true" /> Sending…
      </span>
    )
  if (!action.outcome) return null
  return (
    <span className={`outcome outcome-${action.outcome.tone}`} role="status" data-testid="action-outcome">
      {action.outcome.text}
    </span>
  )
}

/**
 * A small inline confirmation (never window.confirm): what will happen, its fields (a reason…),
 * and the confirming and the backing-out buttons.
 */
export function ConfirmBox(props: { title: string; children?: ReactNode; confirmLabel: string; danger?: boolean; canConfirm?: boolean; busy?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (props.canConfirm !== false && !props.busy) props.onConfirm()
  }
  return (
    <form className="confirm-box" onSubmit={submit} aria-label={props.title}>
      <p className="confirm-title">{props.title}</p>
      {props.children}
      <div className="confirm-buttons">
        <button type="submit" className={props.danger ? 'danger' : 'primary'} disabled={props.canConfirm === false || props.busy}>
          {props.confirmLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          Keep it
        </button>
      </div>
    </form>
  )
}

/** A one-line reason field for an action (required or optional, as the API takes it). */
export function ReasonField({ value, onChange, required, label = 'Reason' }: { value: string; onChange: (v: string) => void; required?: boolean; label?: string }) {
  return (
    <label className="reason-field">
      <span>
        {label} {required ? <span className="muted">(required)</span> : <span className="muted">(optional, recorded in the run history)</span>}
      </span>
      <input type="text" value={value} onChange={(e) => onChange(e.target.value)} required={required} maxLength={2000} autoFocus />
    </label>
  )
}
