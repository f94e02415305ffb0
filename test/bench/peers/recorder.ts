// The worker side of every system: handlers stamp here, and this file talks to the driver over
// the child process's IPC channel. All stamps are performance.now() of the one worker process, so
// a hand-off is one clock's difference.
import { SPEC_ENV, epochMs, type DriverMessage, type Tag, type WorkerMessage, type WorkerReport, type WorkerSpec } from './common.js'

/**
 * Stamps of one run of a workload (the warm-up or the measured one). `onDone` fires once, when
 * the run's last handler has done its part: the chain's last step ended, the join started, or
 * the last independent task ended.
 */
export class Recorder {
  private readonly starts: Float64Array
  private readonly ends: Float64Array
  private steps = 0
  private lastEndEpochMs = NaN
  private parentEnd = NaN
  private firstChildStart = Infinity
  private lastChildStart = -Infinity
  private children = 0
  private joinStart = NaN
  private firstStart = Infinity
  private lastEnd = -Infinity
  private tasks = 0
  private finished = false

  constructor(
    private readonly spec: Pick<WorkerSpec, 'workload'>,
    private readonly size: number,
    private readonly onDone: () => void,
  ) {
    // Only the chain keeps per-step stamps (its hand-offs); the other workloads keep extremes.
    this.starts = new Float64Array(spec.workload === 'chain' ? size : 0)
    this.ends = new Float64Array(spec.workload === 'chain' ? size : 0)
  }

  /** Chain step `i`'s handler started. */
  stepStart(i: number): void {
    this.starts[i] = performance.now()
    this.steps++
  }

  /** Chain step `i`'s handler is done (peers: just before enqueuing step i+1). */
  stepEnd(i: number): void {
    this.ends[i] = performance.now()
    if (i === this.size - 1) {
      this.lastEndEpochMs = epochMs()
      this.done()
    }
  }

  /** The fan-out's parent handler is done (peers: just before enqueuing the children). */
  fanParentEnd(): void {
    this.parentEnd = performance.now()
  }

  /** A fan-out child's handler started. */
  fanChildStart(): void {
    const now = performance.now()
    if (now < this.firstChildStart) this.firstChildStart = now
    if (now > this.lastChildStart) this.lastChildStart = now
    this.children++
  }

  /** The join's handler started. */
  fanJoinStart(): void {
    this.joinStart = performance.now()
    this.done()
  }

  /** An independent task's handler started. */
  taskStart(): void {
    const now = performance.now()
    if (now < this.firstStart) this.firstStart = now
  }

  /** An independent task's handler ended. */
  taskEnd(): void {
    this.lastEnd = performance.now()
    if (++this.tasks === this.size) this.done()
  }

  /** The measurements, for the driver. */
  report(): WorkerReport {
    switch (this.spec.workload) {
      case 'chain': {
        const handoffsMs: number[] = []
        for (let i = 0; i + 1 < this.size; i++) handoffsMs.push(this.starts[i + 1]! - this.ends[i]!)
        return { workload: 'chain', handoffsMs, lastEndEpochMs: this.lastEndEpochMs, steps: this.steps }
      }
      case 'fanout':
        return { workload: 'fanout', parentEnd: this.parentEnd, firstChildStart: this.firstChildStart, lastChildStart: this.lastChildStart, joinStart: this.joinStart, children: this.children }
      case 'throughput':
        return { workload: 'throughput', firstStart: this.firstStart, lastEnd: this.lastEnd, tasks: this.tasks }
    }
  }

  private done(): void {
    if (this.finished) return
    this.finished = true
    this.onDone()
  }
}

/** What a worker entry starts: its library's worker, stopped when the driver says so. */
export interface RunningWorker {
  stop(): Promise<void>
}

/** The recorders of a worker process, by tag (the payload or workflow tells a handler which). */
export type Recorders = Readonly<Record<Tag, Recorder>>

/**
 * The body of every worker-*.ts entry: reads the spec, makes the two recorders, starts the
 * system's worker with `start`, says `ready`, and answers the driver's `report` and `stop`.
 */
export async function workerMain(start: (spec: WorkerSpec, rec: Recorders) => Promise<RunningWorker>): Promise<void> {
  const send = (m: WorkerMessage) => process.send?.(m)
  const raw = process.env[SPEC_ENV]
  if (!raw || !process.send) throw new Error(`a bench-peers worker runs as the driver's child, with ${SPEC_ENV} set`)
  const spec = JSON.parse(raw) as WorkerSpec
  const rec: Recorders = {
    warm: new Recorder(spec, spec.warmSize, () => send({ type: 'warmed' })),
    main: new Recorder(spec, spec.size, () => send({ type: 'done' })),
  }
  let worker: RunningWorker
  try {
    worker = await start(spec, rec)
  } catch (e) {
    send({ type: 'error', message: `worker start failed: ${String(e)}` })
    process.exit(1)
  }
  process.on('message', (m: DriverMessage) => {
    if (m.type === 'report') send({ type: 'report', report: rec.main.report() })
    if (m.type === 'stop') {
      // Exits even when the library's stop hangs: the driver waits for the exit.
      const hard = setTimeout(() => process.exit(2), 10_000)
      void worker
        .stop()
        .catch((e: unknown) => console.error(`bench-peers ${spec.system} worker: stop failed: ${String(e)}`))
        .finally(() => {
          clearTimeout(hard)
          process.exit(0)
        })
    }
  })
  // The driver going away (it was killed) must not leave this process behind.
  process.on('disconnect', () => process.exit(3))
  send({ type: 'ready' })
}

/** Reports a handler failure to the driver (it fails the run loudly instead of timing out silently). */
export function reportHandlerError(e: unknown): void {
  process.send?.({ type: 'error', message: `handler failed: ${String(e)}` } satisfies WorkerMessage)
}
