/**
 * @baton/coordinator — consumes events, advances each run's state machine in Postgres, fires
 * durable timers and relays the outbox. The state machine itself is `decide` (pure).
 */
export { startCoordinator, type Coordinator, type CoordinatorOptions } from './coordinator.js'
export { decide, tasksNeeded } from './lifecycle/run-machine.js'
export { branchChoice, type BranchChoice } from './lifecycle/branch-choice.js'
export { evaluateTriggerRule, finalOutcome, type RuleDecision, type UpstreamCounts } from './lifecycle/trigger-rules.js'
export { retryDelayMs, type RetryPolicy } from './lifecycle/backoff.js'
export { TASK_TRANSITIONS, RUN_TRANSITIONS, checkTaskTransition, checkRunTransition } from './lifecycle/transitions.js'
export { TimerKind, type Decision, type MachineEvent, type MachineState, type RunView, type TaskView } from './lifecycle/types.js'
export { commandId } from './apply/commands.js'
export { MAX_BACKFILL_PARTITIONS, partitionsToRun } from './apply/backfills.js'
export { fireDueSchedules, ON_TIME_GRACE_MS } from './scheduler/cron-scheduler.js'
export { admitQueuedRuns } from './scheduler/run-admission.js'
export { raiseMissedReadiness } from './scheduler/readiness-deadlines.js'
export { DefinitionCache } from './definitions/definition-cache.js'
export { OutboxPublisher } from './outbox/outbox-publisher.js'
export { loadAlertRoutes, type AlertRoutes, type Channel } from './alerts/alert-routes.js'
export { deliverAlerts } from './alerts/alert-delivery.js'
export { watchQueues } from './alerts/queue-watch.js'
