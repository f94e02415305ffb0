import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import type { ActionOutcome } from '../../ui/action-outcome'
import type { Look } from './look'

/** A state drawn as a badge in a status colour, with its icon and word (colour never alone). */
export function LookBadge({ look, title }: { look: Look; title?: string }) {
  return (
    <span className={`badge st st-${look.colour}`} title={title ?? look.hint}>
      <span aria-hidden="true">{look.icon}</span> {look.label}
    </span>
  )
}

const TONE_ICON = { applied: '✓', pending: '…', ignored: '–', error: '✕' } as const

/** An action's outcome in words next to its button, announced to screen readers. */
export function OutcomeText({ outcome }: { outcome: ActionOutcome | null }) {
  return (
    <span className={`ops-outcome ops-outcome-${outcome?.tone ?? 'none'}`} role="status" aria-live="polite">
      {outcome ? <span aria-hidden="true">{TONE_ICON[outcome.tone]} </span> : null}
      {outcome?.text ?? ''}
    </span>
  )
}

/** A value as pretty JSON behind a disclosure: lists stay one line per item until asked. */
export function JsonDetails({ value, label = 'Show JSON', open }: { value: unknown; label?: string; open?: boolean }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
  return (
    <details className="ops-json" open={open}>
      <summary>{label}</summary>
      <pre>{text}</pre>
    </details>
  )
}

/**
 * A destructive action behind a small inline confirmation (never window.confirm): the first
 * button asks, the second does it, with an optional reason the API records.
 */
export function InlineConfirm({
  label,
  confirmLabel,
  question,
  withReason,
  busy,
  onConfirm,
}: {
  label: string
  confirmLabel: string
  question: ReactNode
  withReason?: boolean
  busy?: boolean
  onConfirm: (reason: string) => void
}) {
  const [asking, setAsking] = useState(false)
  const [reason, setReason] = useState('')
  const reasonId = useId()
  if (!asking)
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)} disabled={busy}>
        {label}
      </button>
    )
  return (
    <span className="ops-confirm" role="group" aria-label={label}>
      <span>{question}</span>
      {withReason ? (
        <>
          <label htmlFor={reasonId} className="sr-only">
            Reason
          </label>
          <input id={reasonId} type="text" placeholder="Reason (recorded in the audit log)" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
        </>
      ) : null}
      <button
        type="button"
        className="danger"
        disabled={busy}
        autoFocus={!withReason}
        onClick={() => {
          onConfirm(reason.trim())
          setAsking(false)
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  )
}

/**
 * A text filter whose value lives in the URL but is sent to the API only once typing pauses
 * (or on Enter): a server-side filter costs one request per pause, not one per keystroke.
 */
export function PausedTextFilter({
  label,
  value,
  onCommit,
  placeholder,
  list,
  delayMs = 400,
}: {
  label: string
  value: string
  onCommit: (value: string) => void
  placeholder?: string
  list?: string
  delayMs?: number
}) {
  const [text, setText] = useState(value)
  const committed = useRef(value)
  const commit = useRef(onCommit)
  commit.current = onCommit
  // The URL changed from elsewhere (back button, "Clear filters"): show it.
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value
      setText(value)
    }
  }, [value])
  useEffect(() => {
    if (text === committed.current) return
    const timer = setTimeout(() => {
      committed.current = text
      commit.current(text)
    }, delayMs)
    return () => clearTimeout(timer)
  }, [text, delayMs])
  return (
    <label>
      {label}{' '}
      <input
        type="search"
        value={text}
        placeholder={placeholder}
        list={list}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && text !== committed.current) {
            committed.current = text
            onCommit(text)
          }
        }}
      />
    </label>
  )
}
