import { batonMetrics } from '@baton/shared'

/** Counts task log records that were dropped. */
export function countDroppedLogRecords(queue: string, reason: 'buffer_full' | 'gave_up' | 'closed', n: number): void {
  if (n > 0) batonMetrics().taskLogRecordsDropped.add({ queue, reason }, n)
}

/** Counts one attempt whose log was cut at the cap. */
export function countTruncatedLog(queue: string): void {
  batonMetrics().taskLogsTruncated.add({ queue })
}
