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
  currentVersions,
  loadVersion,
  workflowStates,
  sourceUsers,
  ValidationError,
  type BackfillCancelRequested,
  type BackfillRequested,
  type BackfillStatus,
  type SourceLanded,
} from '@baton/shared'
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
async function watchBackfill(client: CliClient, id: string): Promise<BackfillStatus> {
  const db = await client.db({ readOnly: true })
  const tty = process.stderr.isTTY
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | done {done}/{total} | running {running} | failed {failed} | remaining {remaining} | ETA {eta_formatted}', stream: process.stderr, noTTYOutput: false, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let lastPrint = 0
  for (;;) {
    const s = (await getBackfillStatus(db, id))!
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

/** `baton status [WORKFLOW]`. */
export async function status(workflow: string | undefined, opts: { json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: true })
    const rows = await getFreshness(db, new Date(), workflow)
    if (workflow && rows.length === 0) {
      const state = (await workflowStates(db, [workflow])).get(workflow)
      if (state?.archived) throw new BatonError('WORKFLOW_ARCHIVED', `workflow '${workflow}' is archived (baton undeploy): it has no status until it is deployed again`)
      throw new NotFoundError('workflow', workflow)
    }
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatFreshness(rows))
  } finally {
    await client.close()
  }
}

/** `baton readiness WORKFLOW`. */
export async function readiness(workflow: string, opts: { partition?: string; json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: true })
    const wf = await activeVersion(db, workflow)
    if (!wf.definition.when) throw new BatonError('NO_DATA_GATE', `workflow '${workflow}' has no data gate (when.sourcesLanded): its runs start by schedule or by request, not by data landing`)
    const rows = await getReadiness(db, workflow, opts.partition ? { partition: opts.partition } : {})
    if (!rows) throw new NotFoundError('workflow', workflow)
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
    await client.close()
  }
}

/** `baton backfill WORKFLOW --from --to`, `baton backfill status ID`, `baton backfill cancel ID`. */
export async function backfill(target: string, id: string | undefined, opts: { from?: string; to?: string; concurrency: number; rerun: BackfillRequested['rerun']; param: string[]; detach?: boolean; json?: boolean; reason: string }): Promise<void> {
  const client = new CliClient()
  try {
    if (target === 'status' || target === 'cancel') {
      if (!id) throw new ValidationError([{ path: 'id', reason: `backfill ${target} needs a backfill id` }])
      const db = await client.db({ readOnly: true })
      const s = await getBackfillStatus(db, id)
      if (!s) throw new NotFoundError('backfill', id)
      if (target === 'status') {
        process.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : `${line(s)}\n`)
        return
      }
      const request: BackfillCancelRequested = { id: newId(), backfillId: id, reason: opts.reason }
      await publishJson(await client.js(), client.subjects.backfillCancelRequested, request.id, request)
      const deadline = Date.now() + WAIT_MS
      let now = s
      while (now.status === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200))
        now = (await getBackfillStatus(db, id))!
      }
      process.stdout.write(`${line(now)}\n`)
      return
    }
    if (!opts.from || !opts.to) throw new ValidationError([{ path: '--from/--to', reason: 'a backfill needs --from and --to' }])
    const db = await client.db({ readOnly: true })
    const wf = await activeVersion(db, target)
    const range = partitionsInRange(wf.partitionKind, opts.from, opts.to, client.config.backfillMaxPartitions)
    if (!Array.isArray(range)) throw new ValidationError([{ path: '--from/--to', reason: range.error }])
    const params = parseParams(opts.param, wf.definition.params)
    // Each run gets its partition as a partition-named param: validate as the first run will.
    const resolved = resolveRunParams(wf, withPartitionParam(wf, { params, partition: range[0]!, trigger: 'backfill' }))
    if (!resolved.ok) throw new ValidationError(asParamFlags(resolved.issues, opts.param))
    const request: BackfillRequested = { id: newId(), workflow: target, from: opts.from, to: opts.to, concurrency: opts.concurrency, rerun: opts.rerun, params }
    await publishJson(await client.js(), client.subjects.backfillRequested, request.id, request)
    const deadline = Date.now() + WAIT_MS
    while (!(await getBackfillStatus(db, request.id))) {
      if (Date.now() > deadline) throw new Error(`no coordinator created the backfill within ${WAIT_MS / 1000}s; the request is kept in NATS and runs once a coordinator is running`)
      await new Promise((r) => setTimeout(r, 100))
    }
    process.stdout.write(`${request.id}\n`)
    if (opts.detach) return
    process.once('SIGINT', () => {
      process.stderr.write(`\nthe backfill goes on; follow it with: baton backfill status ${request.id}\n`)
      process.exit(130)
    })
    const s = await watchBackfill(client, request.id)
    if (process.stderr.isTTY) process.stderr.write(`${line(s)}\n`)
    process.exitCode = s.status === 'succeeded' ? 0 : 1
  } finally {
    await client.close()
  }
}
