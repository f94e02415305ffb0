import { activeVersion, newId, parsePartition, publishJson, resolveRunParams, runIdByKey, ValidationError, type RunDetails, type RunRequested, type ValidationIssue } from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { ApiError } from '../api-error.js'
import { fetchRun } from '../api-run.js'
import { CliClient } from '../client.js'
import { formatRun, status } from '../format.js'
import { asParamFlags, parseParams } from '../params-args.js'
import { runTraceLink, type RunTraceLink } from '../run-trace-link.js'
import { watchRun } from '../watch-run.js'

/** How long `trigger` waits for a coordinator to create the run before explaining why not. */
const CREATE_WAIT_MS = 15_000

const NOT_CREATED = `no coordinator created the run within ${CREATE_WAIT_MS / 1000}s; the request is kept in NATS and runs once \`baton coordinator\` (or \`baton dev\`) is running`

/** What `trigger` asks for: the workflow, its `--param` pairs, partition and idempotency key. */
interface TriggerRequest {
  readonly workflow: string
  readonly pairs: readonly string[]
  readonly partition?: string
  readonly key: string
}

/** Where `trigger` starts a run and watches it. */
interface RunStarter {
  /** Starts the run (params checked first: a ValidationError naming the flags) and returns its id. */
  start(r: TriggerRequest): Promise<string>
  /** Polls the run until it is terminal. */
  watch(runId: string, onTask: (t: RunDetails['tasks'][number]) => void): Promise<{ run: RunDetails; trace: RunTraceLink }>
  close(): Promise<void>
}

/** The one place `trigger` chooses its mode: the HTTP API when configured, else Postgres and NATS. */
function openStarter(): RunStarter {
  const api = apiTarget()
  return api ? apiStarter(api) : directStarter()
}

function directStarter(): RunStarter {
  const client = new CliClient()
  return {
    async start(r) {
      // Read-only: a mistyped BATON_NAMESPACE is reported, not created empty.
      const db = await client.db({ readOnly: true })
      const wf = await activeVersion(db, r.workflow)
      const params = parseParams(r.pairs, wf.definition.params)
      // Checked here for a clear answer now; the coordinator resolves them again when it creates the run.
      const resolved = resolveRunParams(wf, params)
      const issues: ValidationIssue[] = resolved.ok ? [] : asParamFlags(resolved.issues, r.pairs)
      if (r.partition !== undefined) {
        const p = parsePartition(wf.partitionKind, r.partition)
        if (!p.ok) issues.push({ path: '--partition', reason: `"${r.partition}" is not a ${wf.partitionKind} partition: ${p.reason}` })
      }
      if (issues.length > 0) throw new ValidationError(issues)
      const request: RunRequested = { id: newId(), workflow: r.workflow, params, idempotencyKey: r.key, trigger: 'manual', ...(r.partition ? { partition: r.partition } : {}) }
      await publishJson(await client.js(), client.subjects.runRequested, request.id, request)
      const deadline = Date.now() + CREATE_WAIT_MS
      for (;;) {
        const runId = await runIdByKey(db, r.workflow, r.key)
        if (runId) return runId
        if (Date.now() > deadline) throw new Error(NOT_CREATED)
        await new Promise((res) => setTimeout(res, 50))
      }
    },
    async watch(runId, onTask) {
      const run = await watchRun(await client.db({ readOnly: true }), runId, onTask)
      return { run, trace: runTraceLink(run.id, client.config.traceUrl) }
    },
    close: () => client.close(),
  }
}

function apiStarter(target: ApiTarget): RunStarter {
  const api = new ApiClient(target)
  let trace: RunTraceLink | undefined
  return {
    async start(r) {
      const { data: wf } = await api.ok(api.http.GET('/workflows/{name}', { params: { path: { name: r.workflow }, query: { fireTimes: 0 } } }))
      const params = parseParams(r.pairs, (wf.definition as { params?: Record<string, unknown> } | null)?.params)
      try {
        const { data } = await api.ok(
          api.http.POST('/runs', { params: { query: { wait: CREATE_WAIT_MS / 1000 } }, body: { workflow: r.workflow, params, idempotencyKey: r.key, ...(r.partition !== undefined ? { partition: r.partition } : {}) } }),
        )
        if (!data.runId) throw new Error(NOT_CREATED)
        return data.runId
      } catch (e) {
        // The API's 400 names body fields: shown as the flags the user typed, as in direct mode.
        if (e instanceof ApiError && e.status === 400 && e.issues.length > 0) {
          const issues = e.issues.map((i) => ({ path: i.path.replace(/^body\./, '').replace(/^partition$/, '--partition'), reason: i.reason }))
          throw new ValidationError(asParamFlags(issues, r.pairs))
        }
        throw e
      }
    },
    async watch(runId, onTask) {
      const run = await watchRun(
        async () => {
          const r = await fetchRun(api, runId)
          trace = r.trace
          return r.run
        },
        runId,
        onTask,
        { intervalMs: 500 },
      )
      return { run, trace: trace ?? runTraceLink(run.id, undefined) }
    },
    close: () => api.close(),
  }
}

/** `baton trigger WORKFLOW`. */
export async function trigger(workflow: string, opts: { partition?: string; param: string[]; key?: string; wait?: boolean; json?: boolean }): Promise<void> {
  const starter = openStarter()
  try {
    const runId = await starter.start({ workflow, pairs: opts.param, key: opts.key ?? newId(), ...(opts.partition !== undefined ? { partition: opts.partition } : {}) })
    if (!opts.wait) {
      process.stdout.write(`${runId}\n`)
      return
    }
    if (!opts.json) process.stderr.write(`run ${runId} of ${workflow}\n`)
    const { run, trace } = await starter.watch(runId, (t) => {
      if (!opts.json) process.stderr.write(`  ${t.id.padEnd(24)} ${status(t.status)}${t.attempts > 1 ? ` (attempt ${t.attempts})` : ''}\n`)
    })
    process.stdout.write(opts.json ? `${JSON.stringify({ ...run, ...trace }, null, 2)}\n` : formatRun(run, trace))
    process.exitCode = run.status === 'succeeded' ? 0 : 1
  } finally {
    await starter.close()
  }
}
