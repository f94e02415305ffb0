import { AttemptOwnerQuerySchema, decodeJson, encodeJson, toError, type AttemptOwnerAnswer, type Db, type Logger, type NatsConnection, type Subjects } from '@baton/shared'
import { taskOwner } from '../db/tasks.js'

/** Queue group of the responders: one coordinator answers each question. */
const QUEUE_GROUP = 'coordinators'

/**
 * Answers workers asking who owns an attempt (`<ns>.control.attempt_owner`): the task's current
 * attempt, status and worker as committed. A worker whose `started` had to be retried, or whose
 * command was redelivered, runs its handler only when the answer names it (docs/durability.md).
 * Reads only, outside any transaction; a malformed question gets no answer (the worker's
 * request times out, as with no coordinator at all).
 */
export function answerAttemptOwnerQueries(nc: NatsConnection, db: Db, subjects: Subjects, log: Logger): { stop(): void } {
  const sub = nc.subscribe(subjects.attemptOwner, {
    queue: QUEUE_GROUP,
    callback: (err, msg) => {
      if (err) return
      let query
      try {
        query = AttemptOwnerQuerySchema.parse(decodeJson(msg.data))
      } catch {
        return
      }
      taskOwner(db, query.runId, query.taskId).then(
        (row) => {
          const answer: AttemptOwnerAnswer = row ? { attempt: row.attempt, status: row.status, workerId: row.workerId } : { attempt: null, status: null, workerId: null }
          msg.respond(encodeJson(answer))
        },
        (e: unknown) => log.warn({ err: toError(e) }, 'cannot answer an attempt-owner query'),
      )
    },
  })
  return { stop: () => sub.unsubscribe() }
}
