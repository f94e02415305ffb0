/**
 * Crash points: named places in the services where a crash changes what must happen next. Off
 * by default; `BATON_CRASHPOINTS=name[:n][,name[:n]…]` (read by `loadConfig`, armed by
 * `startCoordinator`/`startWorker`) makes the process kill itself with SIGKILL — no cleanup, no
 * flush, exactly as a crash would — the n-th time (default the first) it reaches that point.
 * docs/durability.md lists each point, what recovers from it, and how often a handler may run.
 */
export const CrashPoint = {
  /** Inside the batch transaction, after every write, before COMMIT: the transaction rolls back. */
  batchBeforeCommit: 'coordinator.batch.before-commit',
  /** The batch committed; its outbox is not published yet (the relay must send it). */
  batchAfterCommit: 'coordinator.batch.after-commit',
  /** A batch that created runs committed; their first commands are not published yet. */
  runCreatedBeforeCommands: 'coordinator.run-created.before-commands',
  /** One message of an outbox publish went out, the next did not. */
  outboxBetweenMessages: 'coordinator.outbox.between-messages',
  /** The outbox is published; the events that caused it are not acked yet (they come back). */
  batchAfterPublish: 'coordinator.batch.after-publish',
  /** Due timers were claimed and fired in a committed transaction; their commands are not published. */
  timersAfterClaim: 'coordinator.timers.after-claim',
  /** Slot admission committed holds and the granted attempts' commands; they are not published yet. */
  slotsAfterGrant: 'coordinator.slots.after-grant',
  /** A cron tick claimed its schedule row and created its run, uncommitted: the tick rolls back. */
  cronAfterClaim: 'coordinator.cron.after-claim',
  /** An alert receiver accepted a delivery; the delivery is not recorded as delivered yet. */
  alertAfterSend: 'coordinator.alert.after-send',
  /** The worker published `started` (PubAck received); the command is not acked yet. */
  workerAfterStarted: 'worker.after-started',
  /**
   * The command's ack was sent (not confirmed: it may still be in the client's buffer when the
   * process dies, and then the command is redelivered after the ack wait); the handler has not
   * run yet.
   */
  workerBeforeHandler: 'worker.before-handler',
  /** The handler returned; its result is not published yet. */
  workerAfterHandler: 'worker.after-handler',
  /** The result is published (PubAck received); nothing of the attempt is left to do. */
  workerAfterResult: 'worker.after-result',
} as const
/** A crash point's name. */
export type CrashPoint = (typeof CrashPoint)[keyof typeof CrashPoint]

const KNOWN = new Set<string>(Object.values(CrashPoint))
/** Armed points: how many more times each may be passed before the process dies there. */
const armed = new Map<string, number>()

/** Parses `name[:n],…`; an unknown name or a bad count is an error naming it (config is checked at start). */
export function parseCrashPoints(spec: string): Map<CrashPoint, number> {
  const out = new Map<CrashPoint, number>()
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, count] = part.split(':')
    if (!KNOWN.has(name!)) throw new Error(`unknown crash point '${name}' (known: ${[...KNOWN].join(', ')})`)
    const n = count === undefined ? 1 : Number(count)
    if (!Number.isInteger(n) || n < 1) throw new Error(`crash point '${name}': the count must be a positive integer, got '${count}'`)
    out.set(name as CrashPoint, n)
  }
  return out
}

/** Arms the points of a spec (from `BatonConfig.crashPoints`); nothing when the spec is empty. */
export function armCrashPoints(spec: string | undefined): void {
  if (!spec) return
  for (const [name, n] of parseCrashPoints(spec)) armed.set(name, n)
}

/** Marks a crash point: when armed, the n-th pass kills the process at once with SIGKILL. */
export function crashPoint(name: CrashPoint): void {
  if (armed.size === 0) return
  const left = armed.get(name)
  if (left === undefined) return
  if (left > 1) {
    armed.set(name, left - 1)
    return
  }
  // Written synchronously so a test can tell where the process died; then the same death as
  // `kill -9`: no exit handlers, no flushing of buffered output or pending I/O.
  process.stderr.write(`crash point ${name}: SIGKILL\n`)
  process.kill(process.pid, 'SIGKILL')
}
