/**
 * "Why hasn't this run started?", in words (no React, no DOM): a data-gated partition's readiness
 * (sources landed and missing, the deadline, the run) and, for workflows without a gate, the
 * latest run of each partition.
 */

/** One partition's readiness, as GET /workflows/{name}/readiness answers. */
export interface Readiness {
  partition: string
  status: string
  required: string[]
  missing: string[]
  landings: { source: string; uri: string | null; landedAt: string }[]
  deadline: string | null
  runId: string | null
}

/** A required source of a partition: landed (when, where) or missing. */
export interface SourceState {
  source: string
  landed: { at: string; uri: string | null } | null
}

/** Where a partition stands against its deadline. */
export type DeadlineState = 'none' | 'upcoming' | 'missed' | 'met'

/** Each required source in order, with its landing (the latest when it landed more than once). */
export function sourceStates(r: Readiness): SourceState[] {
  const latest = new Map<string, { at: string; uri: string | null }>()
  for (const l of r.landings) {
    const seen = latest.get(l.source)
    if (!seen || seen.at < l.landedAt) latest.set(l.source, { at: l.landedAt, uri: l.uri })
  }
  const missing = new Set(r.missing)
  return r.required.map((source) => ({ source, landed: missing.has(source) ? null : (latest.get(source) ?? null) }))
}

/** Whether the deadline is still ahead, missed (passed with the run not started), or met. */
export function deadlineState(r: Readiness, now: number): DeadlineState {
  if (!r.deadline) return 'none'
  const due = new Date(r.deadline).getTime()
  if (r.runId) {
    // Met when everything landed in time; a late start still counts as missed.
    const last = r.landings.reduce((max, l) => Math.max(max, new Date(l.landedAt).getTime()), 0)
    return last && last > due ? 'missed' : 'met'
  }
  return now > due || r.status === 'missed' ? 'missed' : 'upcoming'
}

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/**
 * What the partition is waiting for, in one sentence: "Started: all sources landed", "Waiting for
 * payments (orders landed)", "Waiting for orders and payments; the deadline has passed".
 */
export function readinessWords(r: Readiness, now: number): string {
  if (r.runId) return `Started: ${r.required.length ? `${list(r.required)} landed` : 'the gate opened'}, so a run was created.`
  const landed = r.required.filter((s) => !r.missing.includes(s))
  const late = deadlineState(r, now) === 'missed' ? '; the deadline has passed' : ''
  if (r.missing.length === 0) return `Every source landed; the run starts shortly${r.status === 'paused' ? ' (the workflow is paused)' : ''}${late}.`
  return `Waiting for ${list(r.missing)}${landed.length ? ` (${list(landed)} landed)` : ' (nothing landed yet)'}${late}.`
}

/** The run a partition-status row shows: id, status and when. */
export interface PartitionRun {
  id: string
  status: string
  partition: string | null
  createdAt: string
}

/** A partition's latest run and how many runs it had, for workflows without a data gate. */
export interface PartitionLatest<R extends PartitionRun> {
  partition: string
  latest: R
  runs: number
}

/**
 * The latest run of each partition, partitions newest-run first. `runs` must be newest first (as
 * the API lists them); runs without a partition are grouped under "(none)".
 */
export function latestPerPartition<R extends PartitionRun>(runs: readonly R[]): PartitionLatest<R>[] {
  const byPartition = new Map<string, PartitionLatest<R>>()
  for (const run of runs) {
    const key = run.partition ?? '(none)'
    const row = byPartition.get(key)
    if (row) row.runs++
    else byPartition.set(key, { partition: key, latest: run, runs: 1 })
  }
  return [...byPartition.values()]
}
