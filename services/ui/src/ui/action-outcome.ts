/**
 * The outcome of an operator action in words, from the API's answer: 200 applied, 202 accepted
 * but not yet applied by a coordinator, 409 ignored (nothing to do, with the API's reason), any
 * other error with its message. Shown next to the button that sent it, on every page.
 */

/** How an action ended, for its colour and words. */
export type ActionTone = 'applied' | 'pending' | 'ignored' | 'error'

/** An action's outcome as shown to the operator. */
export interface ActionOutcome {
  tone: ActionTone
  text: string
}

/** The parts of an openapi-fetch answer this needs. */
export interface ActionAnswer {
  status: number
  /** Run actions answer with the run's status once applied. */
  data?: { runStatus?: string } | undefined
  error?: unknown
}

function apiMessage(error: unknown): string | undefined {
  const e = (error as { error?: { message?: unknown } } | undefined)?.error
  return typeof e?.message === 'string' ? e.message : undefined
}

/** Words for an action's answer; `done` names what was applied ("Backfill cancelled"). */
export function actionOutcome(answer: ActionAnswer, done: string): ActionOutcome {
  const message = apiMessage(answer.error)
  const runStatus = answer.data?.runStatus
  if (answer.status === 200 || answer.status === 201) return { tone: 'applied', text: `${done}${runStatus ? ` — the run is ${runStatus.replace('_', ' ')}` : ''}.` }
  if (answer.status === 202) return { tone: 'pending', text: `${done}: accepted; a coordinator applies it shortly.` }
  if (answer.status === 409) return { tone: 'ignored', text: `Nothing done: ${message ?? 'the API ignored it (conflict)'}.` }
  if (answer.status === 403) return { tone: 'error', text: `Not allowed: ${message ?? 'your role does not allow this'}.` }
  return { tone: 'error', text: `Failed (${answer.status || 'no answer'}): ${message ?? 'the API did not say why'}.` }
}

/** The outcome of a request that never got an answer (network down, API stopped). */
export function unreachableOutcome(error: unknown): ActionOutcome {
  const why = error instanceof Error ? error.message : String(error)
  return { tone: 'error', text: `Could not reach the Baton API (${why}). Try again in a moment.` }
}
