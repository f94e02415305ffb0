import { getRunDetails, listRuns, publishJson, TERMINAL_RUN_STATUSES, workflowOwners, type Db, type RunActionRequested, type RunCancelRequested } from '@baton/shared'
import type { CliClient } from './client.js'
import type { ActionOutcome, BulkItem } from './operator-lines.js'

/**
 * Operator actions in direct mode (no API configured): each is ONE event on NATS, as the API
 * sends it, with `by: cli:<OS user>`; the coordinator records in the run's history, under the
 * event's id, what it did or why it ignored it, and the CLI waits for that record.
 */

/** How long a command waits for a coordinator to apply its action. */
export const ACTION_WAIT_MS = 15_000

/** Polls the run's history for the coordinator's record of `eventId` (up to `waitMs`). */
export async function waitForRunEvent(db: Db, runId: string, eventId: string, waitMs: number): Promise<ActionOutcome> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const rows = await db.selectFrom('history').select(['kind', 'reason']).where('run_id', '=', runId).where('event_id', '=', eventId).execute()
    if (rows.length > 0) {
      const ignored = rows.find((r) => r.kind === 'ignored')
      if (ignored && rows.length === 1) return { outcome: 'ignored', reason: ignored.reason ?? 'ignored' }
      return { outcome: 'applied', state: `run now ${(await getRunDetails(db, runId))?.status ?? 'unknown'}` }
    }
    if (Date.now() >= deadline) return { outcome: 'pending', eventId }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Publishes a run event (an operator action or a cancel) and waits for the coordinator's record. */
export async function sendRunEvent(client: CliClient, db: Db, subject: string, runId: string, body: RunActionRequested | RunCancelRequested, waitMs = ACTION_WAIT_MS): Promise<ActionOutcome> {
  await publishJson(await client.js(), subject, body.id, body)
  return waitForRunEvent(db, runId, body.id, waitMs)
}

/** The runs a bulk action looks at (like the API's `POST /runs/bulk` filter). */
export interface BulkFilter {
  readonly workflow?: string
  readonly status?: readonly string[]
  readonly partition?: string
  readonly owner?: string
  readonly since?: Date
  readonly until?: Date
}

/** Whether the action makes sense for a run in `status` (the others are listed as skipped). */
export function bulkApplies(action: 'retry' | 'cancel', status: string): boolean {
  return action === 'retry' ? status === 'failed' || status === 'cancelled' : !TERMINAL_RUN_STATUSES.includes(status as never)
}

/**
 * A bulk action in direct mode: the runs the filter matches, newest first (at most `limit`), each
 * sent as its own event (nothing with `dryRun`), then every record waited for until one shared
 * deadline. Returns one item per run and whether more runs match.
 */
export async function bulkDirect(
  client: CliClient,
  db: Db,
  action: 'retry' | 'cancel',
  filter: BulkFilter,
  options: { dryRun: boolean; limit: number; by: string; reason?: string; newId(): string },
): Promise<{ items: BulkItem[]; remaining: boolean }> {
  const workflows = filter.owner === undefined ? undefined : (await workflowOwners(db)).filter((w) => w.owner === filter.owner).map((w) => w.name)
  const rows = await listRuns(db, {
    ...(filter.workflow ? { workflow: filter.workflow } : {}),
    ...(workflows ? { workflows } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.partition ? { partition: filter.partition } : {}),
    ...(filter.since ? { since: filter.since } : {}),
    ...(filter.until ? { until: filter.until } : {}),
    limit: options.limit + 1,
  })
  const runs = rows.slice(0, options.limit)
  const items: BulkItem[] = []
  const sent: { index: number; runId: string; eventId: string }[] = []
  for (const r of runs) {
    const base = { runId: r.id, workflow: r.workflow, status: r.status }
    if (!bulkApplies(action, r.status)) {
      items.push({ ...base, outcome: 'skipped', reason: `run is ${r.status}` })
      continue
    }
    if (options.dryRun) {
      items.push({ ...base, outcome: 'would_apply', reason: null })
      continue
    }
    const id = options.newId()
    if (action === 'retry') {
      const body: RunActionRequested = { id, runId: r.id, action: 'retry', scope: 'task', by: options.by, ...(options.reason ? { reason: options.reason } : {}) }
      await publishJson(await client.js(), client.subjects.runActionRequested, id, body)
    } else {
      const body: RunCancelRequested = { id, runId: r.id, reason: options.reason ?? `cancelled by ${options.by} (bulk)` }
      await publishJson(await client.js(), client.subjects.runCancelRequested, id, body)
    }
    sent.push({ index: items.length, runId: r.id, eventId: id })
    items.push({ ...base, outcome: 'pending', reason: null })
  }
  const deadline = Date.now() + ACTION_WAIT_MS
  for (const s of sent) {
    const o = await waitForRunEvent(db, s.runId, s.eventId, Math.max(0, deadline - Date.now()))
    const status = (await getRunDetails(db, s.runId))?.status ?? items[s.index]!.status
    items[s.index] = { ...items[s.index]!, status, outcome: o.outcome, reason: o.outcome === 'ignored' ? o.reason : null }
  }
  return { items, remaining: rows.length > options.limit }
}
