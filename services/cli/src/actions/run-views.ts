import { getRunDetails, listRuns, NotFoundError, ValidationError, workflowStates } from '@baton/shared'
import { CliClient } from '../client.js'
import { formatRun, formatRuns } from '../format.js'
import { runTraceLink } from '../run-trace-link.js'

// `baton runs` and `baton run ID`: read-only views, kept apart from trigger/cancel so that they
// load no definition compiler and no NATS client (the start-up figures in docs/operations.md).

/** `baton runs`. */
export async function listRunsCommand(opts: { workflow?: string; status?: string; partition?: string; since?: Date; until?: Date; limit: number; json?: boolean }): Promise<void> {
  if (opts.since && opts.until && opts.since >= opts.until) {
    throw new ValidationError([{ path: '--since/--until', reason: `--since (${opts.since.toISOString()}) must be before --until (${opts.until.toISOString()})` }])
  }
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: true })
    if (opts.workflow && !(await workflowStates(db, [opts.workflow])).has(opts.workflow)) throw new NotFoundError('workflow', opts.workflow)
    const runs = await listRuns(db, opts)
    process.stdout.write(opts.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRuns(runs))
  } finally {
    await client.close()
  }
}

/** `baton run ID`. */
export async function showRun(runId: string, opts: { json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    const run = await getRunDetails(await client.db({ readOnly: true }), runId)
    if (!run) throw new NotFoundError('run', runId)
    const trace = runTraceLink(run.id, client.config.traceUrl)
    process.stdout.write(opts.json ? `${JSON.stringify({ ...run, ...trace }, null, 2)}\n` : formatRun(run, trace, { attempts: true }))
  } finally {
    await client.close()
  }
}

