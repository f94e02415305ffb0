/**
 * @baton/shared — the contracts every Baton package shares: the workflow DSL and its zod
 * schema, wire messages, status words, NATS subjects and streams, the database schema and
 * migrations, configuration, errors and telemetry helpers.
 */
export * from './errors.js'
export * from './status.js'
export * from './duration.js'
export * from './ids.js'
export { loadConfig, type BatonConfig } from './config.js'
export * from './definition/schema.js'
export * from './definition/compile.js'
export { workflow, task, isWorkflowSpec, type WorkflowOptions, type WorkflowSpec } from './definition/dsl.js'
export { loadWorkflows } from './definition/load.js'
export * from './messages/schemas.js'
export * from './messages/task-log.js'
export { subjectsFor, type Subjects } from './nats/subjects.js'
export * from './nats/connection.js'
export { taskLogStreamConfig, TASK_LOG_MAX_AGE_MS, TASK_LOG_DUPLICATE_WINDOW_MS } from './nats/task-log-stream.js'
export type * from './db/types.js'
export { createDb, ensureDatabase, PREPARE, type Db } from './db/connect.js'
export { migrateToLatest, dropNamespaceSchema } from './db/migrate.js'
export { createLogger, type Logger } from './telemetry/logger.js'
export * from './telemetry/trace-context.js'
export {
  batonMetrics,
  startMetrics,
  stopMetrics,
  metricsEnabled,
  type BatonMetrics,
  type MetricsEndpoint,
  type GaugeSample,
  type QueueGauge,
  type AttemptOutcome,
  type WorkerAttemptOutcome,
  type DeadLetterKind,
} from './telemetry/metrics.js'
export { initTracing, shutdownTracing, tracingEnabled, emitSpan, withSpan, reportTracingError, type EmittedSpan, type LiveSpanOptions, type SpanAttributes, type SpanKindName } from './telemetry/tracing.js'
export { getRunDetails, listRuns, type RunDetails, type RunSummary, type TaskDetails } from './read/run-details.js'
export { readinessDeadline, validateExpectBy } from './schedule/readiness-deadline.js'
export { getBackfillStatus, type BackfillStatus } from './read/backfill-status.js'
export * from './schedule/cron-schedule.js'
export { getReadiness, type PartitionReadiness } from './read/readiness-status.js'
export { getRunContext, type RunContext } from './read/run-context.js'
export { getFreshness, type Freshness } from './read/freshness.js'
