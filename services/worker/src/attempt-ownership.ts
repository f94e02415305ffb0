import { AttemptOwnerAnswerSchema, decodeJson, encodeJson, type AttemptOwnerQuery, type NatsConnection, type Subjects, type TaskCommand } from '@baton/shared'
import { delay } from './bounded-wait.js'

/** How long a worker keeps asking before it runs the attempt anyway (no coordinator answered). */
const OWNERSHIP_WAIT_MS = 10_000
/** One question's timeout, and the pause before asking again while the `started` is not applied yet. */
const QUESTION_TIMEOUT_MS = 1000
const RETRY_PAUSE_MS = 200

/** Whether this worker should run an attempt: its own, someone else's, or unknown (no answer). */
export type Ownership = 'mine' | 'not_mine' | 'unknown'

/**
 * Asks the coordinators whether `command`'s attempt is this worker's, until the answer is
 * final: `mine` when the committed task runs that attempt on this worker; `not_mine` when it
 * runs on another worker, or the task moved to another attempt or finished; while the attempt is
 * still `queued` (this worker's `started` is on its way), it asks again. With no answer within
 * OWNERSHIP_WAIT_MS (no coordinator running) it is `unknown`, and the caller runs the attempt:
 * fencing still keeps the transitions exactly-once; only the handler may run twice.
 */
export async function confirmOwnership(nc: NatsConnection, subjects: Subjects, command: TaskCommand, workerId: string, signal?: AbortSignal): Promise<Ownership> {
  const query: AttemptOwnerQuery = { runId: command.runId, taskId: command.taskId, attempt: command.attempt }
  const deadline = Date.now() + OWNERSHIP_WAIT_MS
  while (Date.now() < deadline && !signal?.aborted) {
    let answer
    try {
      const reply = await nc.request(subjects.attemptOwner, encodeJson(query), { timeout: QUESTION_TIMEOUT_MS })
      answer = AttemptOwnerAnswerSchema.parse(decodeJson(reply.data))
    } catch {
      // No coordinator answered (or NATS is reconnecting): ask again until the deadline.
      await delay(RETRY_PAUSE_MS, signal)
      continue
    }
    if (answer.attempt !== command.attempt || answer.status === null) return 'not_mine'
    if (answer.status === 'queued') {
      await delay(RETRY_PAUSE_MS, signal)
      continue
    }
    return answer.status === 'running' && answer.workerId === workerId ? 'mine' : 'not_mine'
  }
  return 'unknown'
}
