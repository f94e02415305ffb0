import type { NatsConnection } from '@nats-io/transport-node'
import type { JetStreamManager } from '@nats-io/jetstream'
import type { Subjects } from './subjects.js'
import { decodeJson, encodeJson } from './connection.js'

/**
 * Who is working: every running worker answers a core-NATS request on `<ns>.control.workers`
 * with this description (nothing is stored; a worker that is gone simply does not answer).
 * Workers in other languages may answer too; the ones that do not are still seen by their
 * queue consumer's activity (`queueActivity`).
 */
export interface WorkerPresence {
  readonly workerId: string
  readonly queue: string
  /** Names of its TypeScript handlers. */
  readonly handlers: readonly string[]
  /** Whether it runs `run: { sh | http }` tasks (the stock worker). */
  readonly runners: boolean
  readonly concurrency: number
  /** Attempts running now. */
  readonly running: number
  readonly host: string
  readonly pid: number
  readonly startedAt: string
}

/** How long `discoverWorkers` collects answers by default. */
export const WORKER_DISCOVERY_WAIT_MS = 500

/** Asks every worker of the namespace who it is; answers that are not a presence are skipped. */
export async function discoverWorkers(nc: NatsConnection, subjects: Subjects, waitMs = WORKER_DISCOVERY_WAIT_MS): Promise<WorkerPresence[]> {
  const found: WorkerPresence[] = []
  try {
    const replies = await nc.requestMany(subjects.workerPing, encodeJson({}), { strategy: 'timer', maxWait: waitMs })
    for await (const m of replies) {
      const p = decodeJsonSafe(m.data)
      if (isPresence(p)) found.push(p)
    }
  } catch {
    // No responders (no worker at all) ends the request with an error on some servers: none found.
  }
  return found.sort((a, b) => a.queue.localeCompare(b.queue) || a.workerId.localeCompare(b.workerId))
}

/** Answers worker discovery requests with `describe()` until the returned function is called. */
export function answerWorkerDiscovery(nc: NatsConnection, subjects: Subjects, describe: () => WorkerPresence): () => void {
  const sub = nc.subscribe(subjects.workerPing, {
    callback: (err, msg) => {
      if (!err) msg.respond(encodeJson(describe()))
    },
  })
  return () => sub.unsubscribe()
}

function decodeJsonSafe(data: Uint8Array): unknown {
  try {
    return decodeJson(data)
  } catch {
    return undefined
  }
}

function isPresence(v: unknown): v is WorkerPresence {
  const p = v as Partial<WorkerPresence> | undefined
  return typeof p?.workerId === 'string' && typeof p.queue === 'string' && Array.isArray(p.handlers)
}

/** What a queue's JetStream consumer says about the workers pulling from it. */
export interface QueueActivity {
  /** Whether the queue's consumer exists at all (a worker created it once). */
  readonly exists: boolean
  /** Open pull requests: workers waiting for work now. */
  readonly waitingPulls: number
  /** Commands delivered and not yet acknowledged: attempts being worked on. */
  readonly ackPending: number
  /** Last delivery to a worker, if any. */
  readonly lastActive: Date | null
}

/** The activity of a queue's consumer (`exists: false` when no worker ever consumed it). */
export async function queueActivity(jsm: JetStreamManager, subjects: Subjects, queue: string): Promise<QueueActivity> {
  const info = await jsm.consumers.info(subjects.commandsStream, subjects.workerConsumer(queue)).catch(() => undefined)
  if (!info) return { exists: false, waitingPulls: 0, ackPending: 0, lastActive: null }
  // The server sends an ISO time (the client's type says nanoseconds); anything else counts as never.
  const raw: unknown = info.delivered?.last_active
  const ms = typeof raw === 'string' ? Date.parse(raw) : NaN
  return { exists: true, waitingPulls: info.num_waiting ?? 0, ackPending: info.num_ack_pending ?? 0, lastActive: Number.isFinite(ms) && ms > 0 ? new Date(ms) : null }
}

/**
 * Whether some worker attends the queue: it has a pull request open, or work in hand, or took a
 * command within `recentMs` (a worker between two pull requests shows no open request for a moment).
 */
export function isAttended(activity: QueueActivity, now: Date, recentMs: number): boolean {
  return activity.waitingPulls > 0 || activity.ackPending > 0 || (activity.lastActive !== null && now.getTime() - activity.lastActive.getTime() < recentMs)
}
