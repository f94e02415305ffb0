import cliProgress from 'cli-progress'
import {
  activeVersion,
  BatonError,
  getBackfillStatus,
  getFreshness,
  getReadiness,
  newId,
  NotFoundError,
  parsePartition,
  partitionsInRange,
  publishJson,
  resolveRunParams,
  withPartitionParam,
  archivedReason,
  currentVersions,
  loadVersion,
  workflowStates,
  sourceUsers,
  ValidationError,
  type BackfillCancelRequested,
  type BackfillRequested,
  type BackfillStatus,
  type Freshness,
  type PartitionReadiness,
  type SourceLanded,
} from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { ApiError } from '../api-error.js'
import { CliClient } from '../client.js'
import { formatFreshness } from '../format.js'
import { asParamFlags, parseParams } from '../params-args.js'

const WAIT_MS = 15_000

function metaPairs(pairs: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {}
  for (const p of pairs) {
    const eq = p.indexOf('=')
    if (eq <= 0) throw new ValidationError([{ path: '--meta', reason: `expected key=value, got "${p}"` }])
    meta[p.slice(0, eq)] = p.slice(eq + 1)
  }
  return meta
}

function line(s: BackfillStatus): string {
  const r = s.runs
  return `backfill ${s.id} ${s.workflow} ${s.from}..${s.to}: ${s.status} — ${r.succeeded} succeeded, ${r.failed} failed, ${r.running} running, ${r.queued} waiting, ${r.cancelled} cancelled (${s.skipped} of ${s.partitions} partitions skipped: already run, or running)`
}

/** Watches a backfill with a live progress bar (a plain line now and then when not a terminal). */
async function watchBackfill(source: TriggerSource, id: string): Promise<BackfillStatus> {
  const tty = process.stderr.isTTY
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | done {done}/{total} | running {running} | failed {failed} | remaining {remaining} | ETA {eta_formatted}', stream: process.stderr, noTTYOutput: false, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let lastPrint = 0
  for (;;) {
    const s = (await source.backfillStatus(id))!
    const done = s.runs.succeeded + s.runs.failed + s.runs.cancelled
    const payload = { done, running: s.runs.running, failed: s.runs.failed, remaining: s.runs.queued + s.runs.running }
    if (tty) {
      if (!started) bar.start(Math.max(1, s.runs.total), done, payload)
      else bar.update(done, payload)
      started = true
    } else if (Date.now() - lastPrint > 5000 || s.status !== 'running') {
      process.stderr.write(`${line(s)}\n`)
      lastPrint = Date.now()
    }
    if (s.status !== 'running') {
      if (started) bar.stop()
      return s
    }
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** `baton emit source SOURCE`. */
export async function emitSource(source: string, opts: { partition?: string; uri?: string; id?: string; meta: string[] }): Promise<void> {
  const target = apiTarget()
  if (target) {
    // Through the API: it checks the partition and the caller's right to trigger what waits for it.
    const api = new ApiClient(target)
    const body = { ...(opts.id ? { id: opts.id } : {}), ...(opts.partition ? { partition: opts.partition } : {}), ...(opts.uri ? { uri: opts.uri } : {}), ...(opts.meta.length ? { meta: metaPairs(opts.meta) } : {}) }
    const { data } = await api.ok(api.http.POST('/sources/{source}/landings', { params: { path: { source }, query: { wait: 0 } }, body }))
    process.stdout.write(`${data.id}\n`)
    return
  }
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: true })
    const users = await sourceUsers(db, source)
    if (users.length === 0) throw new BatonError('UNKNOWN_SOURCE', `unknown source '${source}': no deployed workflow waits for or produces it`)
    // The partition must fit at least one waiting workflow (the coordinator would dead-letter it).
    const problems: string[] = []
    let fits = false
    for (const u of users.filter((x) => x.role === 'waits')) {
      const hash = (await currentVersions(db, [u.workflow])).get(u.workflow)
      const wf = hash ? await loadVersion(db, hash) : undefined
      if (!wf) continue
      if (!opts.partition) problems.push(`workflow '${wf.name}' waits for '${source}' by ${wf.partitionKind}: --partition is required`)
      else {
        const p = parsePartition(wf.partitionKind, opts.partition)
        if (p.ok) fits = true
        else problems.push(`"${opts.partition}" is not a ${wf.partitionKind} partition (workflow '${wf.name}'): ${p.reason}`)
      }
    }
    if (!fits && problems.length > 0) throw new ValidationError(problems.map((reason) => ({ path: '--partition', reason })))
    const landing: SourceLanded = {
      id: opts.id ?? newId(),
      source,
      landedAt: new Date().toISOString(),
      ...(opts.partition ? { partition: opts.partition } : {}),
      ...(opts.uri ? { uri: opts.uri } : {}),
      ...(opts.meta.length ? { meta: metaPairs(opts.meta) } : {}),
    }
    await publishJson(await client.js(), client.subjects.source(source), landing.id, landing)
    process.stdout.write(`${landing.id}\n`)
  } finally {
    await client.close()
  }
}

/** What a backfill request holds before it is sent. */
interface BackfillStart {
  readonly workflow: string
  readonly from: string
  readonly to: string
  readonly concurrency: number
  readonly rerun: BackfillRequested['rerun']
  readonly pairs: readonly string[]
}

/** Where `status`, `readiness` and `backfill` read and act. */
interface TriggerSource {
  /** Freshness rows; for one workflow, NotFoundError or WORKFLOW_ARCHIVED when it has none. */
  freshness(workflow?: string): Promise<Freshness[]>
  /** Readiness rows of a workflow with a data gate (NOT_FOUND, WORKFLOW_ARCHIVED, NO_DATA_GATE otherwise). */
  readiness(workflow: string, partition?: string): Promise<PartitionReadiness[]>
  backfillStatus(id: string): Promise<BackfillStatus | undefined>
  /** Sends the cancellation and waits (bounded) for the backfill to stop running. */
  cancelBackfill(id: string, reason: string): Promise<BackfillStatus>
  /** Validates and sends the backfill, waits for a coordinator to record it; its id. */
  startBackfill(b: BackfillStart): Promise<string>
  close(): Promise<void>
}

/** The one place these commands choose their mode: the HTTP API when configured, else Postgres and NATS. */
function openSource(): TriggerSource {
  const api = apiTarget()
  return api ? apiSource(api) : directSource()
}

const noDataGate = (workflow: string) => new BatonError('NO_DATA_GATE', `workflow '${workflow}' has no data gate (when.sourcesLanded): its runs start by schedule or by request, not by data landing`)
const archivedStatus = (workflow: string) => new BatonError('WORKFLOW_ARCHIVED', `workflow '${workflow}' is archived (baton undeploy): it has no status until it is deployed again`)

function directSource(): TriggerSource {
  const client = new CliClient()
  const db = () => client.db({ readOnly: true })
  return {
    async freshness(workflow) {
      const rows = await getFreshness(await db(), new Date(), workflow)
      if (workflow && rows.length === 0) {
        const state = (await workflowStates(await db(), [workflow])).get(workflow)
        if (state?.archived) throw archivedStatus(workflow)
        throw new NotFoundError('workflow', workflow)
      }
      return rows
    },
    async readiness(workflow, partition) {
      const wf = await activeVersion(await db(), workflow)
      if (!wf.definition.when) throw noDataGate(workflow)
      const rows = await getReadiness(await db(), workflow, partition ? { partition } : {})
      if (!rows) throw new NotFoundError('workflow', workflow)
      return rows
    },
    backfillStatus: async (id) => getBackfillStatus(await db(), id),
    async cancelBackfill(id, reason) {
      const s = await getBackfillStatus(await db(), id)
      if (!s) throw new NotFoundError('backfill', id)
      const request: BackfillCancelRequested = { id: newId(), backfillId: id, reason }
      await publishJson(await client.js(), client.subjects.backfillCancelRequested, request.id, request)
      const deadline = Date.now() + WAIT_MS
      let now = s
      while (now.status === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200))
        now = (await getBackfillStatus(await db(), id))!
      }
      return now
    },
    async startBackfill(b) {
      const wf = await activeVersion(await db(), b.workflow)
      const range = partitionsInRange(wf.partitionKind, b.from, b.to, client.config.backfillMaxPartitions)
      if (!Array.isArray(range)) throw new ValidationError([{ path: '--from/--to', reason: range.error }])
      const params = parseParams(b.pairs, wf.definition.params)
      // Each run gets its partition as a partition-named param: validate as the first run will.
      const resolved = resolveRunParams(wf, withPartitionParam(wf, { params, partition: range[0]!, trigger: 'backfill' }))
      if (!resolved.ok) throw new ValidationError(asParamFlags(resolved.issues, b.pairs))
      const request: BackfillRequested = { id: newId(), workflow: b.workflow, from: b.from, to: b.to, concurrency: b.concurrency, rerun: b.rerun, params }
      await publishJson(await client.js(), client.subjects.backfillRequested, request.id, request)
      const deadline = Date.now() + WAIT_MS
      while (!(await getBackfillStatus(await db(), request.id))) {
        if (Date.now() > deadline) throw new Error(NO_BACKFILL)
        await new Promise((r) => setTimeout(r, 100))
      }
      return request.id
    },
    close: () => client.close(),
  }
}

const NO_BACKFILL = `no coordinator created the backfill within ${WAIT_MS / 1000}s; the request is kept in NATS and runs once a coordinator is running`

function apiSource(target: ApiTarget): TriggerSource {
  const api = new ApiClient(target)
  const details = async (name: string) => (await api.ok(api.http.GET('/workflows/{name}', { params: { path: { name }, query: { fireTimes: 0 } } }))).data
  const status = async (id: string) => (await api.ok(api.http.GET('/backfills/{id}', { params: { path: { id } } }))).data as BackfillStatus
  return {
    async freshness(workflow) {
      const rows = (await api.ok(api.http.GET('/freshness', { params: { query: workflow ? { workflow } : {} } }))).data.items as Freshness[]
      if (workflow && rows.length === 0 && (await details(workflow)).archivedAt) throw archivedStatus(workflow)
      return rows
    },
    async readiness(workflow, partition) {
      const wf = await details(workflow)
      if (wf.archivedAt) throw new BatonError('WORKFLOW_ARCHIVED', archivedReason(workflow))
      if (!wf.gate) throw noDataGate(workflow)
      const query = { limit: 100, ...(partition ? { partition } : {}) }
      return (await api.ok(api.http.GET('/workflows/{name}/readiness', { params: { path: { name: workflow }, query } }))).data.items as PartitionReadiness[]
    },
    async backfillStatus(id) {
      try {
        return await status(id)
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return undefined
        throw e
      }
    },
    async cancelBackfill(id, reason) {
      try {
        await api.ok(api.http.POST('/backfills/{id}/cancel', { params: { path: { id }, query: { wait: WAIT_MS / 1000 } }, body: { reason } }))
      } catch (e) {
        // Not running any more: there is nothing to cancel; its status says how it ended.
        if (!(e instanceof ApiError && e.status === 409)) throw e
      }
      return status(id)
    },
    async startBackfill(b) {
      const wf = await details(b.workflow)
      const params = parseParams(b.pairs, (wf.definition as { params?: Record<string, unknown> } | null)?.params)
      try {
        const { data } = await api.ok(
          api.http.POST('/backfills', { params: { query: { wait: WAIT_MS / 1000 } }, body: { workflow: b.workflow, from: b.from, to: b.to, concurrency: b.concurrency, rerun: b.rerun, params } }),
        )
        if (data.outcome !== 'applied') throw new Error(NO_BACKFILL)
        return data.backfillId
      } catch (e) {
        if (e instanceof ApiError && e.status === 400 && e.issues.length > 0) {
          const issues = e.issues.map((i) => ({ path: i.path.replace(/^body\./, '').replace(/^(from|to)$/, '--from/--to'), reason: i.reason }))
          throw new ValidationError(asParamFlags(issues, b.pairs))
        }
        throw e
      }
    },
    close: () => api.close(),
  }
}

/** `baton status [WORKFLOW]`. */
export async function status(workflow: string | undefined, opts: { json?: boolean }): Promise<void> {
  const source = openSource()
  try {
    const rows = await source.freshness(workflow)
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatFreshness(rows))
  } finally {
    await source.close()
  }
}

/** `baton readiness WORKFLOW`. */
export async function readiness(workflow: string, opts: { partition?: string; json?: boolean }): Promise<void> {
  const source = openSource()
  try {
    const rows = await source.readiness(workflow, opts.partition)
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
      return
    }
    if (rows.length === 0) process.stdout.write(`${workflow}: no source has landed yet for any partition\n`)
    for (const r of rows) {
      const why = r.status === 'started' ? `run ${r.runId} started` : r.status === 'missed' ? `deadline ${r.deadline} missed; waiting for ${r.missing.join(', ')}` : `waiting for ${r.missing.join(', ')}${r.deadline ? ` (due ${r.deadline})` : ''}`
      process.stdout.write(`${r.partition}  ${r.status.padEnd(8)} ${why}\n`)
      for (const l of r.landings) process.stdout.write(`    landed ${l.source} at ${l.landedAt}${l.uri ? ` (${l.uri})` : ''}\n`)
    }
  } finally {
    await source.close()
  }
}

/** `baton backfill WORKFLOW --from --to`, `baton backfill status ID`, `baton backfill cancel ID`. */
export async function backfill(target: string, id: string | undefined, opts: { from?: string; to?: string; concurrency: number; rerun: BackfillRequested['rerun']; param: string[]; detach?: boolean; json?: boolean; reason: string }): Promise<void> {
  const source = openSource()
  try {
    if (target === 'status' || target === 'cancel') {
      if (!id) throw new ValidationError([{ path: 'id', reason: `backfill ${target} needs a backfill id` }])
      if (target === 'status') {
        const s = await source.backfillStatus(id)
        if (!s) throw new NotFoundError('backfill', id)
        process.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : `${line(s)}\n`)
        return
      }
      process.stdout.write(`${line(await source.cancelBackfill(id, opts.reason))}\n`)
      return
    }
    if (!opts.from || !opts.to) throw new ValidationError([{ path: '--from/--to', reason: 'a backfill needs --from and --to' }])
    const backfillId = await source.startBackfill({ workflow: target, from: opts.from, to: opts.to, concurrency: opts.concurrency, rerun: opts.rerun, pairs: opts.param })
    process.stdout.write(`${backfillId}\n`)
    if (opts.detach) return
    process.once('SIGINT', () => {
      process.stderr.write(`\nthe backfill goes on; follow it with: baton backfill status ${backfillId}\n`)
      process.exit(130)
    })
    const s = await watchBackfill(source, backfillId)
    if (process.stderr.isTTY) process.stderr.write(`${line(s)}\n`)
    process.exitCode = s.status === 'succeeded' ? 0 : 1
  } finally {
    await source.close()
  }
}
