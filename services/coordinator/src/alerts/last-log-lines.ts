import { decodeJson, TaskLogBatchSchema, type JetStreamManager, type Subjects } from '@baton/shared'

/**
 * Longest wait for an attempt's last log lines. An alert goes out without them rather than late:
 * this wait is part of the work a delivery lease must cover (see alert-delivery.ts).
 */
export const LAST_LOG_LINES_TIMEOUT_MS = 2000

/**
 * The last lines an attempt logged (its newest task-log batch in `<NS>_LOGS`), for alerts about
 * tasks whose output the attempt details do not carry (TypeScript handlers). Empty when none, or
 * when NATS has not answered within `LAST_LOG_LINES_TIMEOUT_MS`. A network call: never make it
 * inside a transaction.
 */
export function lastLogLinesReader(jsm: JetStreamManager, subjects: Subjects): (runId: string, taskId: string, attempt: number) => Promise<string[]> {
  return async (runId, taskId, attempt) => {
    try {
      let timer: NodeJS.Timeout | undefined
      const gaveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), LAST_LOG_LINES_TIMEOUT_MS)))
      const read = jsm.streams.getMessage(subjects.logsStream, { last_by_subj: subjects.log(runId, taskId, attempt) })
      read.catch(() => {})
      const m = await Promise.race([read, gaveUp]).finally(() => clearTimeout(timer))
      if (!m) return []
      const batch = TaskLogBatchSchema.safeParse(decodeJson(m.data))
      if (!batch.success) return []
      return batch.data.records.slice(-10).map((r) => `[${r.stream}] ${String(r.msg)}`)
    } catch {
      return []
    }
  }
}
