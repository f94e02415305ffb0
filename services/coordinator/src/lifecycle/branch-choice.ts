import type { TaskError } from '@baton/shared'

/** What a branch task's output decides: the direct downstream tasks to follow, or why it cannot. */
export type BranchChoice = { readonly follow: ReadonlySet<string> } | { readonly error: TaskError }

/** The longest piece of a rejected output quoted back in the error. */
const QUOTE_MAX = 120

function quote(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text
}

function invalid(message: string): { error: TaskError } {
  // Not retried: a branch that chose wrongly chooses the same way again (as a check's verdict).
  return { error: { message, retryable: false, kind: 'branch_invalid' } }
}

/**
 * Reads a branch task's choice from its output: `{ follow: id | ids }` (the documented form),
 * `{ branch: id | ids }` (the earlier form), or a bare id or list of ids. An empty list follows
 * nothing (every direct downstream task is skipped). Anything else — no choice, an entry that is
 * not a string, an id that is not directly downstream of the branch — fails the branch with the
 * culprit named, so a typo never silently skips the whole rest of the run.
 */
export function branchChoice(output: unknown, branchId: string, downstream: readonly string[]): BranchChoice {
  let pick: unknown = output
  if (output !== null && typeof output === 'object' && !Array.isArray(output)) {
    const o = output as { follow?: unknown; branch?: unknown }
    pick = o.follow !== undefined ? o.follow : o.branch
  }
  const form = '{ "follow": ["<task id>", …] } (or a task id, or a list of ids)'
  if (pick === undefined || pick === null || (typeof pick !== 'string' && !Array.isArray(pick))) {
    return invalid(`branch ${branchId} returned no choice: its output must be ${form}; got ${quote(output)}`)
  }
  const list: unknown[] = Array.isArray(pick) ? pick : [pick]
  const badEntry = list.findIndex((x) => typeof x !== 'string')
  if (badEntry >= 0) return invalid(`branch ${branchId}'s choice must list task ids: entry ${badEntry} is ${quote(list[badEntry])}`)
  const ids = list as string[]
  const unknown = [...new Set(ids.filter((id) => !downstream.includes(id)))]
  if (unknown.length > 0) {
    const names = unknown.map((id) => `'${id}'`).join(', ')
    const which = unknown.length === 1 ? 'which is' : 'which are'
    return invalid(`branch ${branchId} chose ${names}, ${which} not directly downstream of it (choose from: ${downstream.join(', ') || 'none'})`)
  }
  return { follow: new Set(ids) }
}
