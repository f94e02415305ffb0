// The summary of `make bench-peers`: medians over the repetitions (JSON lines) and a plain-text
// table with Baton's ratio to the best durable peer and to the best Postgres-backed one.
import type { SystemName, Workload } from './common.js'
import { median, r3 } from './stats.js'

/** One output line of a (system, workload, rep) run: its figures, or its error. */
export interface RunLine {
  readonly bench: 'peers'
  readonly workload: Workload
  readonly system: SystemName
  readonly version: string
  readonly rep: number
  readonly error?: string
  readonly [figure: string]: unknown
}

/** Figures medianed across repetitions: numbers, and objects of numbers (CPU by process) key by key. */
function medianOf(values: unknown[]): unknown {
  if (values.every((v) => typeof v === 'number' || v === null)) return r3(median(values.map((v) => (v === null ? NaN : (v as number)))))
  if (values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    const keys = new Set(values.flatMap((v) => Object.keys(v as object)))
    return Object.fromEntries([...keys].map((k) => [k, medianOf(values.map((v) => (v as Record<string, unknown>)[k] ?? null))]))
  }
  return values[0] // settings, shape: the same in every repetition
}

/** One `peers_median` line per (system, workload) with at least one successful repetition. */
export function medianLines(lines: readonly RunLine[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  const groups = new Map<string, RunLine[]>()
  for (const l of lines) {
    const key = `${l.system}/${l.workload}`
    groups.set(key, [...(groups.get(key) ?? []), l])
  }
  for (const group of groups.values()) {
    const ok = group.filter((l) => l.error === undefined)
    const first = group[0]!
    const line: Record<string, unknown> = { bench: 'peers_median', workload: first.workload, system: first.system, version: first.version, reps: ok.length, failed_reps: group.length - ok.length }
    if (ok.length > 0) {
      const keys = new Set(ok.flatMap((l) => Object.keys(l)))
      for (const k of ['bench', 'workload', 'system', 'version', 'rep']) keys.delete(k)
      for (const k of keys) line[k] = medianOf(ok.map((l) => l[k] ?? null))
    }
    out.push(line)
  }
  return out
}

interface Row {
  readonly workload: Workload
  readonly label: string
  readonly better: 'lower' | 'higher'
  readonly get: (l: Record<string, unknown>) => unknown
}

const cpuTotal = (l: Record<string, unknown>) => (l.cpu_ms_per_task as Record<string, unknown> | undefined)?.total

const ROWS: readonly Row[] = [
  { workload: 'chain', label: 'chain hand-off p50 (ms)', better: 'lower', get: (l) => l.p50_ms },
  { workload: 'chain', label: 'chain hand-off p99 (ms)', better: 'lower', get: (l) => l.p99_ms },
  { workload: 'chain', label: 'chain total (s)', better: 'lower', get: (l) => l.total_s },
  { workload: 'fanout', label: 'fan-out: parent end -> first child (ms)', better: 'lower', get: (l) => l.first_child_ms },
  { workload: 'fanout', label: 'fan-out: -> all children started (ms)', better: 'lower', get: (l) => l.all_children_started_ms },
  { workload: 'fanout', label: 'fan-out: -> join start (ms)', better: 'lower', get: (l) => l.join_ms },
  { workload: 'fanout', label: 'fan-out CPU per task (ms, all processes)', better: 'lower', get: cpuTotal },
  { workload: 'throughput', label: 'throughput (tasks/s)', better: 'higher', get: (l) => l.tasks_per_s },
  { workload: 'throughput', label: 'throughput CPU per task (ms, all processes)', better: 'lower', get: cpuTotal },
]

const DURABLE_PEERS: readonly SystemName[] = ['graphile-worker', 'pg-boss', 'bullmq']
const POSTGRES_PEERS: readonly SystemName[] = ['graphile-worker', 'pg-boss']

/**
 * The table: each figure's median per system, then Baton ÷ the best peer ("best" = lowest time
 * or CPU, highest tasks/s), among the durable peers and among the Postgres-backed ones.
 */
export function table(medians: readonly Record<string, unknown>[], systems: readonly SystemName[]): string {
  const value = (system: SystemName, row: Row): number | undefined => {
    const line = medians.find((m) => m.system === system && m.workload === row.workload)
    const v = line ? row.get(line) : undefined
    return typeof v === 'number' ? v : undefined
  }
  const ratio = (row: Row, peers: readonly SystemName[]): string => {
    const b = value('baton', row)
    const vs = peers.filter((p) => systems.includes(p)).map((p) => value(p, row)).filter((v): v is number => v !== undefined)
    if (b === undefined || vs.length === 0) return '-'
    const best = row.better === 'lower' ? Math.min(...vs) : Math.max(...vs)
    return best === 0 ? '-' : `${(b / best).toFixed(2)}x`
  }
  const fmt = (v: number | undefined) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
  const floorRatio = (row: Row): string => {
    const b = value('baton', row)
    const f = value('floor', row)
    return b === undefined || f === undefined || f === 0 ? '-' : `${(b / f).toFixed(2)}x`
  }
  const header = ['median of the repetitions', ...systems, 'baton / best durable', 'baton / best Postgres', 'baton / floor']
  const body = ROWS.filter((row) => medians.some((m) => m.workload === row.workload)).map((row) => [
    row.label,
    ...systems.map((s) => fmt(value(s, row))),
    ratio(row, DURABLE_PEERS),
    ratio(row, POSTGRES_PEERS),
    floorRatio(row),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    'ratio = Baton / best peer; best = lowest time or CPU, highest tasks/s (for tasks/s, above 1x means Baton is faster; elsewhere, above 1x means Baton takes more).',
    'Durable peers: graphile-worker, pg-boss (Postgres), bullmq (redis-server with appendfsync always). CPU counts the worker, the driver,',
    "Baton's coordinator and the whole Postgres, NATS and private redis-server processes (whole-server figures: the machine is otherwise quiet).",
    'floor: not a peer; JetStream + Postgres with no orchestration (one completion and one command per task, one row per event, one',
    "transaction per batch): what Baton's transport and store cost on this machine, the bound any design on them sits above.",
  ].join('\n')
}
