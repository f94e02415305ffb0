import { AbortNoticeSchema, decodeJson, toError, type Logger, type NatsConnection } from '@baton/shared'
import { AbortKind } from './attempt-abort.js'
import type { InFlightAttempts } from './in-flight-attempts.js'

/** A live subscription to abort notices. */
export interface AbortListener {
  /** Stops listening. */
  close(): void
}

/**
 * Listens on `<ns>.control.abort` (core NATS: best effort, the coordinator's own timers are
 * the real guarantee) and aborts every running attempt that matches all fields of a notice.
 * Resolves once the server has registered the subscription, so no notice sent after start-up
 * is missed.
 */
export async function listenForAborts(deps: { nc: NatsConnection; subject: string; workerId: string; inFlight: InFlightAttempts; logger: Logger }): Promise<AbortListener> {
  const sub = deps.nc.subscribe(deps.subject, {
    callback: (err, msg) => {
      if (err) {
        deps.logger.warn({ err }, 'abort subscription error')
        return
      }
      let body: unknown
      try {
        body = decodeJson(msg.data)
      } catch (e) {
        deps.logger.warn({ err: toError(e) }, 'ignored a malformed abort notice')
        return
      }
      const notice = AbortNoticeSchema.safeParse(body)
      if (!notice.success) {
        deps.logger.warn({ issues: notice.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'ignored an invalid abort notice')
        return
      }
      for (const attempt of deps.inFlight.matching(notice.data, deps.workerId)) {
        deps.logger.info({ runId: attempt.runId, taskId: attempt.taskId, attempt: attempt.attempt, reason: notice.data.reason }, 'aborting attempt on notice')
        attempt.abort(AbortKind.notice, `aborted: ${notice.data.reason}`)
      }
    },
  })
  await deps.nc.flush()
  return {
    close() {
      sub.unsubscribe()
    },
  }
}
