import { decodeJson, TaskLogBatchSchema, type JetStreamManager, type Subjects } from '@baton/shared'

/**
 * The last lines an attempt logged (its newest task-log batch in `<NS>_LOGS`), for alerts about
 * tasks whose output the attempt details do not carry (TypeScript handlers). Empty when none.
 */
export function lastLogLinesReader(jsm: JetStreamManager, subjects: Subjects): (runId: string, taskId: string, attempt: number) => Promise<string[]> {
  return async (runId, taskId, attempt) => {
    try {
      const m = await jsm.streams.getMessage(subjects.logsStream, { last_by_subj: subjects.log(runId, taskId, attempt) })
      if (!m) return []
      const batch = TaskLogBatchSchema.safeParse(decodeJson(m.data))
      if (!batch.success) return []
      return batch.data.records.slice(-10).map((r) => `[${r.stream}] ${String(r.msg)}`)
    } catch {
      return []
    }
  }
}
