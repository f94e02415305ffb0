/**
 * What the operator commands (`retry`, `clear`, `mark`, `approve`, `reject`, `pause`, `unpause`,
 * bulk `retry`/`cancel`) print: one line per outcome, the same in direct mode and through the API
 * (docs/operations.md, "Operator actions"):
 *
 *   applied: retry run 0b9c… (run now running)
 *   pending: retry run 0b9c…: no coordinator has applied it yet; it stays queued in NATS (event …)
 *   ignored: retry run 0b9c…: run is running: only a failed or cancelled run is retried
 *
 * An ignored action (the coordinator's reason, or the API's 409) sets exit code 1.
 */

/** What became of one action. */
export type ActionOutcome =
  | { readonly outcome: 'applied'; readonly state?: string }
  | { readonly outcome: 'pending'; readonly eventId: string }
  | { readonly outcome: 'ignored'; readonly reason: string }

/** Prints the line of one action's outcome (`what`: `retry run <id>`, `pause daily_revenue`, …). */
export function printOutcome(what: string, o: ActionOutcome): void {
  if (o.outcome === 'applied') process.stdout.write(`applied: ${what}${o.state ? ` (${o.state})` : ''}\n`)
  else if (o.outcome === 'pending') process.stdout.write(`pending: ${what}: no coordinator has applied it yet; it stays queued in NATS and applies once one runs (event ${o.eventId})\n`)
  else {
    process.stdout.write(`ignored: ${what}: ${o.reason}\n`)
    process.exitCode = 1
  }
}

/** One run of a bulk action, as the API's `POST /runs/bulk` (and direct mode) reports it. */
export interface BulkItem {
  readonly runId: string
  readonly workflow: string
  readonly status: string
  readonly outcome: 'would_apply' | 'skipped' | 'applied' | 'ignored' | 'pending'
  readonly reason: string | null
}

/** Prints a bulk action's lines, one per run, and a summary on stderr. */
export function printBulk(action: 'retry' | 'cancel', dryRun: boolean, items: readonly BulkItem[], remaining: boolean): void {
  for (const r of items) {
    const what = `${action} run ${r.runId} (${r.workflow})`
    if (r.outcome === 'would_apply') process.stdout.write(`would apply: ${what}, now ${r.status}\n`)
    else if (r.outcome === 'skipped') process.stdout.write(`skipped: ${what}: ${r.reason ?? `run is ${r.status}`}\n`)
    else if (r.outcome === 'applied') printOutcome(what, { outcome: 'applied', state: `run now ${r.status}` })
    else if (r.outcome === 'pending') process.stdout.write(`pending: ${what}: no coordinator has applied it yet\n`)
    else printOutcome(what, { outcome: 'ignored', reason: r.reason ?? 'ignored' })
  }
  const count = (o: BulkItem['outcome']) => items.filter((i) => i.outcome === o).length
  const summary = dryRun
    ? `${items.length} run(s) matched: ${count('would_apply')} would be ${action === 'retry' ? 'retried' : 'cancelled'}, ${count('skipped')} skipped (dry run: nothing was sent)`
    : `${items.length} run(s) matched: ${count('applied')} applied, ${count('pending')} pending, ${count('ignored')} ignored, ${count('skipped')} skipped`
  process.stderr.write(`${summary}${remaining ? '; more runs match: run the command again' : ''}\n`)
}
