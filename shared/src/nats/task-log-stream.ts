import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream'
import { nanos } from '@nats-io/nats-core'
import type { Subjects } from './subjects.js'

/** How long task logs are kept. */
export const TASK_LOG_MAX_AGE_MS = 7 * 24 * 3600_000
/**
 * Duplicate window of the log stream: long enough for a worker's retries of one batch (same
 * `Nats-Msg-Id`), short because every stored id is held in the server's memory for it and logs
 * are the chattiest subject.
 */
export const TASK_LOG_DUPLICATE_WINDOW_MS = 2 * 60_000

/**
 * `<NS>_LOGS`: captured task logs, one subject per attempt (`<ns>.logs.<runId>.<taskId>.<attempt>`).
 * Limits retention, oldest discarded first: logs are a convenience and must never make a
 * publisher wait or fail. The per-attempt cap is enforced by the worker (BATON_TASK_LOG_MAX_BYTES).
 */
export function taskLogStreamConfig(s: Subjects): Partial<StreamConfig> & { name: string } {
  return {
    name: s.logsStream,
    subjects: [s.logs],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    storage: StorageType.File,
    max_age: nanos(TASK_LOG_MAX_AGE_MS),
    duplicate_window: nanos(TASK_LOG_DUPLICATE_WINDOW_MS),
    max_msg_size: 1024 * 1024,
  }
}
