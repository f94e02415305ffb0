import type { SourceLanded, Subjects } from '@baton/shared'
import type { OutboxMessage } from '../db/outbox.js'
import type { RunWork } from './run-work.js'

/**
 * Source-landed events for a workflow's `produces` names, when its run succeeded in this batch:
 * committed with the transition (outbox) under a stable id, so exactly once per successful run.
 * Another workflow waiting on the name chains after this one with no special mechanism.
 */
export function producedLandings(work: RunWork, subjects: Subjects, now: Date): OutboxMessage[] {
  const produces = work.workflow.definition.produces
  if (produces.length === 0 || !work.runDirty || work.view.status !== 'succeeded' || work.row.status === 'succeeded') return []
  return produces.map((source) => {
    const id = `produced.${work.view.id}.${source}`
    const landing: SourceLanded = {
      id,
      source,
      ...(work.view.partition ? { partition: work.view.partition } : {}),
      landedAt: now.toISOString(),
      meta: { producedBy: { workflow: work.view.workflow, runId: work.view.id } },
    }
    return { transport: 'jetstream' as const, subject: subjects.source(source), msgId: id, payload: landing, traceparent: null }
  })
}
