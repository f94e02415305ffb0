/**
 * Subject and stream names (brief §2). `ns` is BATON_NAMESPACE; it prefixes every subject and
 * names every stream, so environments and test files share a server without meeting.
 */
export interface Subjects {
  readonly eventsStream: string
  readonly commandsStream: string
  readonly events: string
  readonly commands: string
  source(source: string): string
  task(runId: string): string
  readonly runRequested: string
  readonly runCancelRequested: string
  /** An operator's action on a run (retry, clear, mark, approve, reject). */
  readonly runActionRequested: string
  /** Pause or unpause a workflow. */
  readonly workflowPauseRequested: string
  command(queue: string): string
  readonly abort: string
  /** Core-NATS request subject every worker answers with who it is (`baton deploy` warnings, later the API). */
  readonly workerPing: string
  /** Core-NATS request subject coordinators answer (queue group): who owns an attempt now. */
  readonly attemptOwner: string
  readonly backfillRequested: string
  readonly backfillCancelRequested: string
  /** Alert subjects (`<ns>.alerts.<kind>`), kept in the alerts stream. */
  readonly alertsStream: string
  readonly alerts: string
  alert(kind: string): string
  /** Task log stream and subjects (`<ns>.logs.<runId>.<taskId>.<attempt>`): one attempt's captured log batches. */
  readonly logsStream: string
  readonly logs: string
  log(runId: string, taskId: string, attempt: number): string
  /** Filter for the task logs of a run, of one of its tasks, or of one attempt. */
  logFilter(runId: string, taskId?: string, attempt?: number): string
  /** Durable consumer shared by every coordinator of the namespace. */
  readonly coordinatorConsumer: string
  /** Durable consumer shared by every worker of one queue. */
  workerConsumer(queue: string): string
}

/** Source names may contain dots in user land; subjects use them as a single token. */
function token(s: string): string {
  return s.replace(/[.\s*>]/g, '_')
}

/** Builds the subject and stream names of a namespace. */
export function subjectsFor(ns: string): Subjects {
  const NS = ns.toUpperCase()
  return Object.freeze({
    eventsStream: `${NS}_EVENTS`,
    commandsStream: `${NS}_COMMANDS`,
    events: `${ns}.events.>`,
    commands: `${ns}.commands.>`,
    source: (source: string) => `${ns}.events.source.${token(source)}`,
    task: (runId: string) => `${ns}.events.task.${runId}`,
    runRequested: `${ns}.events.run.requested`,
    runCancelRequested: `${ns}.events.run.cancel_requested`,
    runActionRequested: `${ns}.events.run.action_requested`,
    workflowPauseRequested: `${ns}.events.workflow.pause_requested`,
    command: (queue: string) => `${ns}.commands.${token(queue)}`,
    abort: `${ns}.control.abort`,
    workerPing: `${ns}.control.workers`,
    attemptOwner: `${ns}.control.attempt_owner`,
    backfillRequested: `${ns}.events.backfill.requested`,
    backfillCancelRequested: `${ns}.events.backfill.cancel_requested`,
    alertsStream: `${NS}_ALERTS`,
    alerts: `${ns}.alerts.>`,
    alert: (kind: string) => `${ns}.alerts.${token(kind)}`,
    logsStream: `${NS}_LOGS`,
    logs: `${ns}.logs.>`,
    log: (runId: string, taskId: string, attempt: number) => `${ns}.logs.${runId}.${token(taskId)}.${attempt}`,
    logFilter: (runId: string, taskId?: string, attempt?: number) =>
      `${ns}.logs.${runId}.${taskId === undefined ? '>' : `${token(taskId)}.${attempt === undefined ? '*' : attempt}`}`,
    coordinatorConsumer: 'coordinator',
    workerConsumer: (queue: string) => `worker_${token(queue)}`,
  })
}
