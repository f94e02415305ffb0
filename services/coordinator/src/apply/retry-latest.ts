import { workflowStates, type Db } from '@baton/shared'
import type { DefinitionCache } from '../definitions/definition-cache.js'
import { decide } from '../lifecycle/run-machine.js'
import type { Decision, MachineEvent } from '../lifecycle/types.js'
import { versionMoveIssues } from '../lifecycle/version-move.js'
import type { RunWork } from './run-work.js'

const NOTHING: Omit<Decision, 'ignored'> = { taskChanges: [], attempts: [], dispatch: [], aborts: [], setTimers: [], clearTimers: [], followUps: [] }

/**
 * Retry from failure onto the workflow's current version (`baton retry RUN --to-latest`): the run
 * moves to the current version when its tasks are compatible (lifecycle/version-move.ts) and the
 * retry is then decided on it; otherwise the action is ignored with every incompatible task named.
 * A retry the machine ignores (the run is not finished, say) leaves the run on its version.
 */
export async function retryOnLatest(db: Db, work: RunWork, event: Extract<MachineEvent, { type: 'run.retry_requested' }>, now: Date, definitions: DefinitionCache): Promise<Decision> {
  const state = (await workflowStates(db, [work.view.workflow])).get(work.view.workflow)
  if (!state || state.hash === work.workflow.hash) return decide(work.state(), event, now)
  const latest = await definitions.get(db, state.hash)
  if (!latest) throw new Error(`workflow version ${state.hash} of ${work.view.workflow} is missing`)
  const issues = versionMoveIssues(work.workflow, latest)
  if (issues.length > 0) return { ...NOTHING, ignored: `cannot move to version ${state.hash.slice(0, 12)}: ${issues.join('; ')}` }
  const before = work.workflow
  work.moveTo(latest)
  const d = decide(work.state(), event, now)
  if (d.ignored !== undefined) {
    work.workflow = before
    work.movedTo = undefined
    return d
  }
  work.history.push({ runId: work.view.id, taskId: null, attempt: null, kind: 'run', from: work.view.status, to: work.view.status, eventId: null, reason: `moved from version ${before.hash.slice(0, 12)} to ${latest.hash.slice(0, 12)} by ${event.by}`, at: now })
  return d
}
