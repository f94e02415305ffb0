import {
  activeVersion,
  getRunDetails,
  newId,
  NotFoundError,
  parsePartition,
  publishJson,
  resolveRunParams,
  runIdByKey,
  TERMINAL_RUN_STATUSES,
  ValidationError,
  type RunCancelRequested,
  type RunRequested,
  type ValidationIssue,
} from '@baton/shared'
import { CliClient } from '../client.js'
import { formatRun, status } from '../format.js'
import { asParamFlags, parseParams } from '../params-args.js'
import { runTraceLink } from '../run-trace-link.js'
import { watchRun } from '../watch-run.js'

/** How long `trigger` waits for a coordinator to create the run before explaining why not. */
const CREATE_WAIT_MS = 15_000

/** `baton trigger WORKFLOW`. */
export async function trigger(workflow: string, opts: { partition?: string; param: string[]; key?: string; wait?: boolean; json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    // Read-only: a mistyped BATON_NAMESPACE is reported, not created empty.
    const db = await client.db({ readOnly: true })
    const wf = await activeVersion(db, workflow)
    const params = parseParams(opts.param, wf.definition.params)
    // Checked here for a clear answer now; the coordinator resolves them again when it creates the run.
    const resolved = resolveRunParams(wf, params)
    const issues: ValidationIssue[] = resolved.ok ? [] : asParamFlags(resolved.issues, opts.param)
    if (opts.partition !== undefined) {
      const p = parsePartition(wf.partitionKind, opts.partition)
      if (!p.ok) issues.push({ path: '--partition', reason: `"${opts.partition}" is not a ${wf.partitionKind} partition: ${p.reason}` })
    }
    if (issues.length > 0) throw new ValidationError(issues)
    const key = opts.key ?? newId()
    const request: RunRequested = { id: newId(), workflow, params, idempotencyKey: key, trigger: 'manual', ...(opts.partition ? { partition: opts.partition } : {}) }
    await publishJson(await client.js(), client.subjects.runRequested, request.id, request)
    const deadline = Date.now() + CREATE_WAIT_MS
    let runId: string | undefined
    while (!runId) {
      runId = await runIdByKey(db, workflow, key)
      if (runId) break
      if (Date.now() > deadline) {
        throw new Error(`no coordinator created the run within ${CREATE_WAIT_MS / 1000}s; the request is kept in NATS and runs once \`baton coordinator\` (or \`baton dev\`) is running`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    if (!opts.wait) {
      process.stdout.write(`${runId}\n`)
      return
    }
    if (!opts.json) process.stderr.write(`run ${runId} of ${workflow}\n`)
    const run = await watchRun(db, runId, (t) => {
      if (!opts.json) process.stderr.write(`  ${t.id.padEnd(24)} ${status(t.status)}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}\n`)
    })
    const trace = runTraceLink(run.id, client.config.traceUrl)
    process.stdout.write(opts.json ? `${JSON.stringify({ ...run, ...trace }, null, 2)}\n` : formatRun(run, trace))
    process.exitCode = run.status === 'succeeded' ? 0 : 1
  } finally {
    await client.close()
  }
}

/** `baton cancel ID`. */
export async function cancel(runId: string, opts: { reason: string }): Promise<void> {
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: true })
    const run = await getRunDetails(db, runId)
    if (!run) throw new NotFoundError('run', runId)
    if (TERMINAL_RUN_STATUSES.includes(run.status)) {
      process.stdout.write(`run ${runId} is already ${run.status}\n`)
      return
    }
    const request: RunCancelRequested = { id: newId(), runId, reason: opts.reason }
    await publishJson(await client.js(), client.subjects.runCancelRequested, request.id, request)
    const done = await watchRun(db, runId, () => {}, { timeoutMs: CREATE_WAIT_MS }).catch(() => undefined)
    process.stdout.write(done ? `run ${runId} ${done.status}\n` : `cancellation of ${runId} requested; no coordinator has applied it yet\n`)
  } finally {
    await client.close()
  }
}
