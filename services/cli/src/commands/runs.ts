import type { Command } from 'commander'
import {
  getRunDetails,
  listRuns,
  newId,
  NotFoundError,
  parsePartition,
  publishJson,
  RunStatus,
  TERMINAL_RUN_STATUSES,
  ValidationError,
  type RunCancelRequested,
  type RunRequested,
} from '@baton/shared'
import { currentVersions, loadVersion, validateParams } from '@baton/coordinator'
import { CliClient } from '../client.js'
import { collect, intOption } from '../options.js'
import { formatRun, formatRuns, status } from '../format.js'
import { runTraceLink } from '../run-trace-link.js'
import { watchRun } from '../watch-run.js'

/** How long `trigger` waits for a coordinator to create the run before explaining why not. */
const CREATE_WAIT_MS = 15_000

/** Parses `k=v` params; values are typed by the workflow's params schema when it names a type. */
export function parseParams(pairs: readonly string[], schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const props = (schema?.properties ?? {}) as Record<string, { type?: string | string[] }>
  const params: Record<string, unknown> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new ValidationError([{ path: '--param', reason: `expected key=value, got "${pair}"` }])
    const key = pair.slice(0, eq)
    const raw = pair.slice(eq + 1)
    const type = props[key]?.type
    const types = Array.isArray(type) ? type : type ? [type] : []
    if (types.length > 0 && !types.includes('string')) {
      try {
        params[key] = JSON.parse(raw)
        continue
      } catch {
        // Leave it a string; schema validation names the field and the expected type.
      }
    }
    params[key] = raw
  }
  return params
}

/** `trigger`, `runs`, `run` and `cancel`. */
export function registerRunCommands(program: Command): void {
  program
    .command('trigger')
    .description('start a run of a workflow (idempotent by --key); prints the run id')
    .argument('<workflow>', 'workflow name')
    .option('--partition <partition>', 'the partition the run covers (e.g. 2026-06-01)')
    .option('--param <key=value>', 'a run param (repeatable)', collect, [])
    .option('--key <key>', 'idempotency key: the same key twice is one run')
    .option('--wait', 'wait for the run to finish, print its progress; exit 0 only if it succeeded')
    .option('--json', 'with --wait, print the final run as JSON')
    .action(async (workflow: string, opts: { partition?: string; param: string[]; key?: string; wait?: boolean; json?: boolean }) => {
      const client = new CliClient()
      try {
        const db = await client.db()
        const hash = (await currentVersions(db, [workflow])).get(workflow)
        if (!hash) throw new NotFoundError('workflow', workflow)
        const wf = (await loadVersion(db, hash))!
        const params = parseParams(opts.param, wf.definition.params)
        const issues = validateParams(wf, params)
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
          runId = (await db.selectFrom('runs').select('id').where('workflow', '=', workflow).where('idempotency_key', '=', key).executeTakeFirst())?.id
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
    })

  program
    .command('runs')
    .description('list recent runs, newest first')
    .option('--workflow <name>', 'only this workflow')
    .option('--status <status>', 'only runs in this status')
    .option('--partition <partition>', 'only runs for this partition')
    .option('--limit <n>', 'how many', intOption('--limit', 1, 10_000), 50)
    .option('--json', 'print JSON')
    .action(async (opts: { workflow?: string; status?: string; partition?: string; limit: number; json?: boolean }) => {
      if (opts.status && !(Object.values(RunStatus) as string[]).includes(opts.status)) {
        throw new ValidationError([{ path: '--status', reason: `must be one of ${Object.values(RunStatus).join(', ')}, got "${opts.status}"` }])
      }
      const client = new CliClient()
      try {
        const runs = await listRuns(await client.db({ readOnly: true }), opts)
        process.stdout.write(opts.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRuns(runs))
      } finally {
        await client.close()
      }
    })

  program
    .command('run')
    .description('show one run and its tasks')
    .argument('<runId>', 'run id')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const client = new CliClient()
      try {
        const run = await getRunDetails(await client.db({ readOnly: true }), runId)
        if (!run) throw new NotFoundError('run', runId)
        const trace = runTraceLink(run.id, client.config.traceUrl)
        process.stdout.write(opts.json ? `${JSON.stringify({ ...run, ...trace }, null, 2)}\n` : formatRun(run, trace))
      } finally {
        await client.close()
      }
    })

  program
    .command('cancel')
    .description('cancel a run: pending tasks are cancelled, running ones told to abort')
    .argument('<runId>', 'run id')
    .option('--reason <text>', 'why', 'cancelled from the CLI')
    .action(async (runId: string, opts: { reason: string }) => {
      const client = new CliClient()
      try {
        const db = await client.db()
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
    })
}
