/**
 * @baton/sdk — what a project using Baton imports: the workflow DSL, the worker runtime, the
 * errors a handler throws, the status words and the wire message types. Workflow files import
 * `workflow`/`task` from here; worker services import `startWorker`. Everything else a project
 * needs is the `baton` command of @baton/cli.
 */
export { workflow, task, type WorkflowOptions, type WorkflowSpec } from '@baton/shared'
export type { WorkflowDefinition, WorkflowDefinitionInput, TaskDefinition, TaskDefinitionInput, RunSpec } from '@baton/shared'
export { startWorker, AbortKind, AttemptAbortedError, TaskFailure, type Worker, type WorkerOptions, type TaskContext, type TaskHandler } from '@baton/worker'
export { BatonError, NonRetryableError, ValidationError, RetryAbortedError, type ValidationIssue } from '@baton/shared'
export { RunStatus, TaskStatus, TriggerRule, TaskKind, TERMINAL_RUN_STATUSES, TERMINAL_TASK_STATUSES } from '@baton/shared'
export {
  SourceLandedSchema,
  RunRequestedSchema,
  RunCancelRequestedSchema,
  TaskCommandSchema,
  TaskEventSchema,
  TaskEventType,
  type SourceLanded,
  type RunRequested,
  type RunCancelRequested,
  type TaskCommand,
  type TaskEvent,
  type TaskError,
} from '@baton/shared'

/** The handlers of a worker, by handler name (a task's `handler`, by default its id). */
export type Handlers = Record<string, import('@baton/worker').TaskHandler>
