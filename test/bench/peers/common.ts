// Shared vocabulary of `make bench-peers`: workloads, sizes, the spec a worker process gets, and
// the messages between the driver (run.ts) and a worker process (worker-*.ts).

/** The three workloads of issue 11 (a, b, c). */
export type Workload = 'chain' | 'fanout' | 'throughput'
/** Every workload, in the order each repetition runs them. */
export const WORKLOADS: readonly Workload[] = ['chain', 'fanout', 'throughput']

/**
 * The systems compared; the peers first, as the brief lists them, then Baton, then `floor`: not a
 * peer but Baton's transport and store (JetStream + Postgres) with no orchestration (floor.ts).
 */
export type SystemName = 'graphile-worker' | 'pg-boss' | 'bullmq' | 'baton' | 'floor'
/** Every system, in the order of the first repetition (later ones rotate it). */
export const SYSTEMS: readonly SystemName[] = ['graphile-worker', 'pg-boss', 'bullmq', 'baton', 'floor']

/** Whether a piece of work is the warm-up before the clock starts or the measured workload. */
export type Tag = 'warm' | 'main'

/** Handlers running at once in every system's one worker process (fan-out and throughput; the chain is sequential anyway). */
export const CONCURRENCY = 50

/** The queue of every Baton bench task (its worker process consumes it). */
export const BATON_QUEUE = 'bench'

/** Independent tasks per Baton run in the throughput workload (20,000 tasks = 400 such runs). */
export const BATON_TPUT_WIDTH = 50

/** Sizes of one repetition's workloads, after BENCH_PEERS_SCALE. */
export interface Sizes {
  /** Steps of the chain. */
  readonly chain: number
  /** Children of the fan-out (plus its parent and join). */
  readonly fanout: number
  /** Independent tasks of the throughput workload: a multiple of `tputWidth`. */
  readonly throughput: number
  /** Tasks per Baton run in the throughput workload. */
  readonly tputWidth: number
}

/** Scales the brief's sizes (1,000 / 10,000 / 20,000) by `scale`, keeping at least 10 tasks each. */
export function sizesFor(scale: number): Sizes {
  const n = (x: number) => Math.max(10, Math.round(x * scale))
  const tput = n(20_000)
  const tputWidth = Math.min(BATON_TPUT_WIDTH, tput)
  // Every system runs the same task count: Baton's runs of `tputWidth` tasks must add up to it.
  return { chain: n(1000), fanout: n(10_000), throughput: Math.max(1, Math.round(tput / tputWidth)) * tputWidth, tputWidth }
}

/** Size of the warm-up that each fresh worker process runs before the clock starts. */
export function warmSize(workload: Workload, sizes: Sizes): number {
  // A few tasks on the same code paths (enqueue from a handler, bulk enqueue, counter join); the
  // throughput warm-up is one Baton run's worth so that Baton warms up on its real shape.
  return workload === 'throughput' ? sizes.tputWidth : 5
}

/** The size of `workload` in `sizes`. */
export function sizeOf(workload: Workload, sizes: Sizes): number {
  return sizes[workload]
}

/** What a worker process is told (JSON in BENCH_PEERS_SPEC). */
export interface WorkerSpec {
  readonly system: SystemName
  readonly workload: Workload
  /** Tasks of the measured run (chain steps, fan-out children, independent tasks). */
  readonly size: number
  /** Tasks of the warm-up run. */
  readonly warmSize: number
  readonly concurrency: number
  /** Connection details of the system (Postgres URL, Redis port). */
  readonly connection: string
}

/** Environment variable carrying the WorkerSpec to a worker process. */
export const SPEC_ENV = 'BENCH_PEERS_SPEC'

/** What the worker stamped for the measured chain (performance.now() of the worker). */
export interface ChainReport {
  readonly workload: 'chain'
  /** Handler start of step i+1 minus handler end of step i, ms, for every i. */
  readonly handoffsMs: number[]
  /** Last step's handler end, performance.timeOrigin + performance.now() (epoch ms). */
  readonly lastEndEpochMs: number
  /** Steps whose handler ran (should equal the size; more means a step ran twice). */
  readonly steps: number
}

/** What the worker stamped for the measured fan-out (worker's performance.now(), ms). */
export interface FanoutReport {
  readonly workload: 'fanout'
  readonly parentEnd: number
  readonly firstChildStart: number
  readonly lastChildStart: number
  readonly joinStart: number
  /** Child handler starts seen (should equal the size). */
  readonly children: number
}

/** What the worker stamped for the measured throughput run (worker's performance.now(), ms). */
export interface ThroughputReport {
  readonly workload: 'throughput'
  readonly firstStart: number
  readonly lastEnd: number
  /** Handler ends seen (should equal the size). */
  readonly tasks: number
}

/** A worker's measurements of the measured (`main`) run. */
export type WorkerReport = ChainReport | FanoutReport | ThroughputReport

/** Worker process → driver. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'warmed' }
  | { type: 'done' }
  | { type: 'report'; report: WorkerReport }
  | { type: 'error'; message: string }

/** Driver → worker process. */
export type DriverMessage = { type: 'report' } | { type: 'stop' }

/** Epoch milliseconds from the monotonic clock: the one expression the driver and the workers both use. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now()
}
