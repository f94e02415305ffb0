/**
 * @baton/shared — the contracts every Baton package shares: the workflow DSL and its zod
 * schema, wire messages, status words, NATS subjects and streams, the database schema and
 * migrations, configuration, errors and telemetry helpers.
 */
export * from './errors.js'
export { unreachableService } from './unreachable-service.js'
export * from './status.js'
export * from './duration.js'
export * from './ids.js'
export { loadConfig, type BatonConfig } from './config.js'
export { retryWithBackoff, startupRetryBudget, backoffDelayMs, withoutPassword, RetryAbortedError, type RetryOptions } from './retry-with-backoff.js'
export { CrashPoint, armCrashPoints, crashPoint, parseCrashPoints } from './crash-points.js'
export * from './definition/schema.js'
export * from './definition/compile.js'
export { workflow, task, isWorkflowSpec, type WorkflowOptions, type WorkflowSpec } from './definition/dsl.js'
export { suggestionFor } from './definition/suggest.js'
export { loadWorkflows, loadDefinitionFiles, TYPESCRIPT_EXTENSIONS, type LoadedDefinitions, type LoadOptions, type ModuleImporter } from './definition/load.js'
export { definitionWarnings } from './definition/warnings.js'
export { mapInstanceId, parseMapInstanceId, isMapInstanceId, DEFAULT_MAX_MAP_INSTANCES, type MapSpec } from './definition/map-instances.js'
export * from './messages/schemas.js'
export * from './messages/task-log.js'
export { subjectsFor, type Subjects } from './nats/subjects.js'
export * from './nats/connection.js'
export * from './nats/worker-discovery.js'
export { taskLogStreamConfig, TASK_LOG_MAX_AGE_MS, TASK_LOG_DUPLICATE_WINDOW_MS } from './nats/task-log-stream.js'
export type * from './db/types.js'
export { createDb, ensureDatabase, PREPARE, type Db } from './db/connect.js'
export { migrateToLatest, dropNamespaceSchema, MIGRATION_NAMES } from './db/migrate.js'
export { pgSafeJson, pgSafeText } from './db/pg-safe.js'
export { migrationStatus, type MigrationStatus } from './db/migration-status.js'
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
  type PoolGauge,
  type QueueGauge,
  type AttemptOutcome,
  type WorkerAttemptOutcome,
  type DeadLetterKind,
} from './telemetry/metrics.js'
export { initTracing, shutdownTracing, tracingEnabled, emitSpan, withSpan, reportTracingError, type EmittedSpan, type LiveSpanOptions, type SpanAttributes, type SpanKindName } from './telemetry/tracing.js'
export { registerReadinessCheck, readiness, type ReadinessCheck, type ReadinessReport, type ReadinessCheckResult } from './telemetry/health.js'
// The catalog: definition storage and the read models the CLI, coordinator and API share.
export {
  deployWorkflow,
  archiveWorkflow,
  activeVersion,
  archivedReason,
  workflowStates,
  currentVersions,
  loadVersion,
  listWorkflows,
  sourceUsers,
  currentDefinitions,
  type DeployResult,
  type DeployedWorkflow,
  type WorkflowState,
} from './catalog/definition-store.js'
export { resolveRunParams, validateParams, withPartitionParam, type ParamsResolution } from './catalog/run-params.js'
export { getRunDetails, listRuns, runIdByKey, type RunDetails, type RunSummary, type RunFilter, type TaskDetails, type AttemptDetails, type CheckResult } from './catalog/run-details.js'
export {
  listMapInstances,
  refuseInstanceAction,
  mapInstanceCounts,
  DEFAULT_MAP_INSTANCE_PAGE,
  MAX_MAP_INSTANCE_PAGE,
  type MapInstance,
  type MapInstanceCounts,
  type MapInstanceFilter,
  type MapInstancePage,
  type TaskMap,
} from './catalog/map-instances.js'
export { getTaskDetails, requireRunTask, type MapInstanceOf, type TaskView } from './catalog/task-details.js'
export { getRunGrid, type RunGrid, type RunGridColumn, type RunGridCell, type RunGridFilter } from './catalog/run-grid.js'
export { readinessDeadline, validateExpectBy } from './schedule/readiness-deadline.js'
export { getBackfillStatus, listBackfills, type BackfillStatus, type BackfillFilter } from './catalog/backfill-status.js'
export * from './schedule/cron-schedule.js'
export { getReadiness, type PartitionReadiness } from './catalog/readiness-status.js'
export { getRunContext, type RunContext } from './catalog/run-context.js'
export { getFreshness, type Freshness } from './catalog/freshness.js'
export { listWorkflowSummaries, type WorkflowSummary, type WorkflowSummaryFilter } from './catalog/workflow-summaries.js'
export { getWorkflowDetails, type WorkflowDetails, type DagNode, type FireTime } from './catalog/workflow-details.js'
export { setPool, deletePool, listPools, type PoolSpec, type PoolView } from './catalog/pools.js'
export { listWorkflowHistory, diffWorkflowVersions, diffDefinitions, type WorkflowDeployment, type WorkflowDiff, type DefinitionChange } from './catalog/workflow-history.js'
export { listWorkflowVersions, getWorkflowVersion, type WorkflowVersion, type WorkflowVersionSummary } from './catalog/workflow-versions.js'
export { workflowOwners, workflowOfRun, workflowOfBackfill, sourcesOfWorkflows, type WorkflowOwner } from './catalog/resource-owners.js'
export { listLandings, type LandingView, type LandingFilter } from './catalog/landing-list.js'
export { listAlerts, type AlertView, type AlertDeliveryView, type AlertFilter } from './catalog/alert-list.js'
export { listDeadLetters, type DeadLetterView, type DeadLetterFilter } from './catalog/dead-letter-list.js'
export {
  API_ROLES,
  apiTokenGrantIssues,
  createApiToken,
  findApiToken,
  getApiToken,
  listApiTokens,
  revokeApiToken,
  type ApiTokenGrant,
  type ApiTokenRecord,
  type NewApiToken,
} from './catalog/api-tokens.js'
export { appendAudit, listAudit, redactSecrets, AuditResult, REDACTED, type AuditEntry, type AuditRecord, type AuditFilter } from './catalog/audit-log.js'
// The HTTP API's types, generated from its OpenAPI document (scripts/generate-api-types.ts): the
// CLI's and the web UI's clients are typed by them. Types only: nothing of them is in the bundle.
export type { paths as ApiPaths, components as ApiComponents } from './api-types.js'
