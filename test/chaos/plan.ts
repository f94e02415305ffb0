import { createHash } from 'node:crypto'
import { createPrng, type Prng } from './prng.js'
import { GATED_SOURCES, MAX_PLANNED_FAILURES, taskIds, type RunParams, type TaskBehaviour } from './workflows.js'
import { JUNK_CLASSES, type JunkClass } from './junk.js'

/**
 * The schedule of a chaos run, drawn in full from the seed before anything starts: when each run
 * is requested (and with which params, hence its expected outcome), each cancellation, source
 * landing, backfill, junk message and fault (class, victim, duration). The same seed and
 * settings give the same plan, byte for byte (`digest`); the wall-clock timing of the processes
 * under it differs from run to run, and so do the targets of the junk that is aimed at live
 * state (a terminal run to replay, a cancelled run), which are chosen at run time by a
 * generator forked from the same seed.
 */

/** Settings of a run (printed first, with the seed). */
export interface Settings {
  readonly seed: number
  /** Length of the chaos phase (workload and faults), in minutes. */
  readonly minutes: number
  readonly coordinators: number
  readonly workers: number
  /** Attempts each worker runs at once, per queue. */
  readonly concurrency: number
  /** Manual runs requested per second. */
  readonly rate: number
  /** Junk messages per second. */
  readonly junkRate: number
  /** Bound on the wait, after the last fault, for every run to be terminal. */
  readonly quiesceSeconds: number
  /** false: the same workload with no faults (a baseline). */
  readonly faults: boolean
  /**
   * `--nats-cluster`: a 3-node NATS cluster with R3 streams instead of one server; NATS faults
   * hit one node at a time and `restart_nats` joins them. Absent (not false) otherwise, so a
   * single-server run's plan and digest are what they were before the flag existed.
   */
  readonly natsCluster?: true
}

/** A run outcome the plan expects (several when a cancellation races the run's end). */
export type Outcome = 'succeeded' | 'failed' | 'cancelled'

/** Fault classes of a run on one nats-server. */
export const FAULT_CLASSES = [
  'kill_coordinator',
  'kill_worker',
  'kill_nats',
  'restart_postgres',
  'drop_connections',
  'pause_coordinator',
  'pause_worker',
  'pause_nats',
] as const
/**
 * Fault classes of a `--nats-cluster` run: the same, where the NATS ones hit one node (a victim
 * of n1–n3), plus a graceful restart of one node (SIGTERM, started again later: a rolling
 * restart's step).
 */
export const CLUSTER_FAULT_CLASSES = [...FAULT_CLASSES, 'restart_nats'] as const
/** A fault class. */
export type FaultClass = (typeof CLUSTER_FAULT_CLASSES)[number]

/** A manual (API) run request. */
export interface PlannedRequest {
  readonly kind: 'request'
  readonly at: number
  readonly workflow: string
  readonly key: string
  readonly msgId: string
  readonly params: RunParams
  readonly expected: readonly Outcome[]
  /** A second request for the same key (another message): still one run. */
  readonly duplicate: boolean
}
/** A cancellation of the run of a request key. */
export interface PlannedCancel {
  readonly kind: 'cancel'
  readonly at: number
  readonly workflow: string
  readonly key: string
  readonly msgId: string
}
/** A source landing; `msgId` differs from `eventId` for a re-sent event (same event, new message). */
export interface PlannedLanding {
  readonly kind: 'landing'
  readonly at: number
  readonly source: string
  readonly partition: string
  readonly eventId: string
  readonly msgId: string
}
/** A backfill request. */
export interface PlannedBackfill {
  readonly kind: 'backfill'
  readonly at: number
  readonly id: string
  readonly workflow: string
  readonly partitions: readonly string[]
  readonly concurrency: number
}
/** A junk message (its content is made at run time from `n`'s generator). */
export interface PlannedJunk {
  readonly kind: 'junk'
  readonly at: number
  readonly junk: JunkClass
  readonly n: number
}
/**
 * A fault: injected at `at`, lifted (restart, SIGCONT) `durationMs` later. Faults come one after
 * another, except one marked `overlap`: it hits another target while the previous is still on
 * (a coordinator killed while Postgres is down, two coordinators at once, …).
 */
export interface PlannedFault {
  readonly kind: 'fault'
  readonly at: number
  readonly fault: FaultClass
  readonly victim: number
  readonly durationMs: number
  readonly overlap: boolean
}
/** Anything the plan does. */
export type Action = PlannedRequest | PlannedCancel | PlannedLanding | PlannedBackfill | PlannedJunk | PlannedFault

/** A run the plan expects to exist at the end, by (workflow, idempotency key). */
export interface ExpectedRun {
  readonly workflow: string
  readonly key: string
  readonly expected: readonly Outcome[]
}

/** The whole schedule. */
export interface Plan {
  readonly settings: Settings
  /** Workload and junk actions, by time. */
  readonly actions: readonly Action[]
  /** Faults, in order (applied one after another). */
  readonly faults: readonly PlannedFault[]
  readonly expectedRuns: readonly ExpectedRun[]
  /** Gated partitions that never get all their sources: no run may exist for them. */
  readonly incompletePartitions: readonly string[]
  /** sha256 of the plan: the same seed and settings give the same digest. */
  readonly digest: string
}

const SHAPES = { chaos_diamond: 3, chaos_chain: 2, chaos_fanout: 1, chaos_retry: 2, chaos_check: 1, chaos_shell: 2, chaos_hang: 1 } as const
const FAULT_WEIGHTS: Record<(typeof FAULT_CLASSES)[number], number> = {
  kill_coordinator: 3,
  kill_worker: 3,
  kill_nats: 1.5,
  restart_postgres: 1.5,
  drop_connections: 2,
  pause_coordinator: 1.5,
  pause_worker: 1.5,
  pause_nats: 1,
}
const CLUSTER_FAULT_WEIGHTS: Record<FaultClass, number> = { ...FAULT_WEIGHTS, restart_nats: 1 }
/** Servers of a `--nats-cluster` run (victims of its NATS faults). */
const CLUSTER_NODES = 3

function sleepMs(r: Prng): number {
  const x = r.next()
  return x < 0.65 ? r.int(0, 150) : x < 0.9 ? r.int(150, 1200) : r.int(1200, 5000)
}

/** Params and expected outcome of one manual run. */
function runParams(r: Prng, workflow: keyof typeof SHAPES): { params: RunParams; outcome: Outcome } {
  const b: Record<string, TaskBehaviour> = {}
  // The shell workflow's s0 and s1 are shell tasks (params sh_*); s2 is a TypeScript task.
  const tasks = workflow === 'chaos_shell' ? ['s2'] : taskIds(workflow)
  for (const t of tasks) b[t] = { sleep: sleepMs(r) }
  let outcome: Outcome = 'succeeded'
  const failing = r.chance(0.12)
  switch (workflow) {
    case 'chaos_retry':
      for (const t of tasks) b[t]!.fail = r.int(0, MAX_PLANNED_FAILURES)
      break
    case 'chaos_check':
      b.check = { ...b.check, pass: !r.chance(0.3) }
      if (!b.check.pass) outcome = 'failed'
      break
    case 'chaos_hang':
      // Hangs until the planned cancellation aborts it (bounded, in case no abort ever comes).
      b.hang = { hang: 20 * 60_000 }
      return { params: { b }, outcome: 'cancelled' }
    case 'chaos_shell': {
      const params: RunParams = { b, sh_fail: failing ? 99 : Math.max(0, r.int(-MAX_PLANNED_FAILURES, MAX_PLANNED_FAILURES)), sh_sleep: (r.int(0, 15) / 10).toFixed(1) }
      return { params, outcome: failing ? 'failed' : 'succeeded' }
    }
  }
  if (failing && outcome === 'succeeded') {
    b[r.pick(tasks)]!.fail = 99
    outcome = 'failed'
  }
  return { params: { b }, outcome }
}

/** Draws the plan of a run from its settings. */
export function makePlan(settings: Settings): Plan {
  const D = settings.minutes * 60_000
  const root = createPrng(settings.seed, 'plan')
  const actions: Action[] = []
  const expectedRuns: ExpectedRun[] = []

  // Manual runs over [0, 0.9 D]: work is in flight when the last fault (before 0.8 D) is lifted.
  const rw = root.fork('workload')
  const nRuns = Math.max(20, Math.round((settings.rate * 0.9 * D) / 1000))
  for (let i = 0; i < nRuns; i++) {
    const at = Math.round(rw.float(0, 0.9 * D))
    const workflow = rw.weighted(SHAPES)
    const { params, outcome } = runParams(rw, workflow)
    const key = `chaos-${i}`
    // A cancellation that races an ordinary run: either end is right.
    const racingCancel = workflow !== 'chaos_hang' && rw.chance(0.06)
    const expected: Outcome[] = racingCancel ? [outcome, 'cancelled'] : [outcome]
    actions.push({ kind: 'request', at, workflow, key, msgId: rw.uuid(), params, expected, duplicate: false })
    if (rw.chance(0.08)) actions.push({ kind: 'request', at: at + rw.int(0, 20_000), workflow, key, msgId: rw.uuid(), params, expected, duplicate: true })
    if (workflow === 'chaos_hang' || racingCancel) actions.push({ kind: 'cancel', at: at + rw.int(300, 8000), workflow, key, msgId: rw.uuid() })
    expectedRuns.push({ workflow, key, expected })
  }

  // Data-gated partitions: sources land in random order, with duplicates; some never complete.
  const rl = root.fork('landings')
  const incompletePartitions: string[] = []
  const nPartitions = Math.max(4, Math.round(nRuns / 10))
  for (let p = 0; p < nPartitions; p++) {
    const partition = `k${p}`
    const complete = rl.chance(0.8)
    const sources = rl.shuffle(GATED_SOURCES).slice(0, complete ? GATED_SOURCES.length : GATED_SOURCES.length - 1)
    const base = rl.float(0, 0.85 * D)
    for (const source of sources) {
      const at = Math.round(base + rl.int(0, 8000))
      const eventId = rl.uuid()
      actions.push({ kind: 'landing', at, source, partition, eventId, msgId: eventId })
      // The same event again under a new message id (recorded once), a re-export (a new event
      // for the same source and partition: recorded, starts nothing more), the same message again
      // (dropped by JetStream's de-duplication).
      if (rl.chance(0.25)) actions.push({ kind: 'landing', at: at + rl.int(0, 10_000), source, partition, eventId, msgId: rl.uuid() })
      if (rl.chance(0.15)) actions.push({ kind: 'landing', at: at + rl.int(0, 10_000), source, partition, eventId: rl.uuid(), msgId: '' })
      if (rl.chance(0.1)) actions.push({ kind: 'landing', at: at + rl.int(0, 5000), source, partition, eventId, msgId: eventId })
    }
    if (complete) expectedRuns.push({ workflow: 'chaos_gated', key: `readiness:${partition}`, expected: ['succeeded'] })
    else incompletePartitions.push(partition)
  }
  // A re-export's message id is its event id.
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!
    if (a.kind === 'landing' && a.msgId === '') actions[i] = { ...a, msgId: a.eventId }
  }

  // Backfills: one per started 10 minutes, each over its own month (no partition shared).
  const rb = root.fork('backfills')
  for (let j = 0; j < 1 + Math.floor(settings.minutes / 10); j++) {
    const days = rb.int(6, 12)
    const month = String(j + 1).padStart(2, '0')
    const partitions = Array.from({ length: days }, (_, d) => `2026-${month}-${String(d + 1).padStart(2, '0')}`)
    const id = rb.uuid()
    actions.push({ kind: 'backfill', at: Math.round(rb.float(0.1 * D, 0.6 * D)), id, workflow: 'chaos_backfill', partitions, concurrency: rb.int(2, 4) })
    for (const p of partitions) expectedRuns.push({ workflow: 'chaos_backfill', key: `backfill:${id}:${p}`, expected: ['succeeded'] })
  }

  // Junk: every class once (in a random order), then drawn at random.
  const rj = root.fork('junk')
  const nJunk = Math.max(JUNK_CLASSES.length, Math.round((settings.junkRate * 0.88 * D) / 1000))
  const firstRound = rj.shuffle(JUNK_CLASSES)
  for (let i = 0; i < nJunk; i++) {
    actions.push({ kind: 'junk', at: Math.round(rj.float(0.02 * D, 0.9 * D)), junk: i < firstRound.length ? firstRound[i]! : rj.pick(JUNK_CLASSES), n: i })
  }

  // Faults one after another from 0.05 D, the last one starting before 0.8 D: every class once
  // first, then by weight.
  const rf = root.fork('faults')
  const faults: PlannedFault[] = []
  if (settings.faults) {
    // A single-server run draws exactly as it did before cluster runs existed (same classes,
    // weights and draws), so its seeds replay the same plans.
    const cluster = settings.natsCluster === true
    const order: FaultClass[] = rf.shuffle(cluster ? CLUSTER_FAULT_CLASSES : FAULT_CLASSES)
    const target = (f: PlannedFault): string => (f.fault.endsWith('nats') ? 'nats' : f.fault.endsWith('postgres') || f.fault === 'drop_connections' ? 'postgres' : `${f.fault.split('_')[1]}-${f.victim}`)
    let t = 0.05 * D
    let end = t
    // (Past 0.8 D only while a class has not come yet: every run sees every class.)
    for (let i = 0; t < 0.8 * D || i < order.length; i++) {
      const fault: FaultClass = i < order.length ? order[i]! : cluster ? rf.weighted(CLUSTER_FAULT_WEIGHTS) : rf.weighted(FAULT_WEIGHTS)
      const victim = fault.endsWith('coordinator') ? rf.int(0, settings.coordinators - 1) : fault.endsWith('worker') ? rf.int(0, settings.workers - 1) : cluster && fault.endsWith('nats') ? rf.int(0, CLUSTER_NODES - 1) : 0
      const durationMs = fault === 'drop_connections' ? 0 : fault.startsWith('pause') ? rf.int(300, 4000) : rf.int(200, 5000)
      const prev = faults[faults.length - 1]
      const draft: PlannedFault = { kind: 'fault', at: 0, fault, victim, durationMs, overlap: false }
      const overlap = prev !== undefined && !prev.overlap && rf.chance(0.2) && target(prev) !== target(draft)
      const at = overlap ? prev.at + rf.int(0, 1000) : Math.round(Math.max(t, end))
      faults.push({ ...draft, at, overlap })
      end = Math.max(end, at + durationMs)
      t = end + rf.int(2000, 9000)
    }
  }

  actions.sort((a, b) => a.at - b.at)
  const digest = createHash('sha256').update(JSON.stringify({ settings, actions, faults })).digest('hex').slice(0, 16)
  return { settings, actions, faults, expectedRuns, incompletePartitions, digest }
}
