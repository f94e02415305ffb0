import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/**
 * Kysely table types, kept in step with the migrations (test/integration/db-schema.test.ts
 * compares them with the live catalogue so drift fails CI).
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>
type Json = ColumnType<unknown, string, string>
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>

/** One immutable version of a workflow definition, keyed by content hash. */
export interface WorkflowVersionsTable {
  hash: string
  name: string
  definition: Json
  created_at: GeneratedTimestamp
}

/** The version new runs of a workflow use. */
export interface WorkflowsTable {
  name: string
  current_hash: string
  paused: Generated<boolean>
  updated_at: GeneratedTimestamp
  /** Set by `baton undeploy`: no schedule, readiness or request starts a run; a deploy clears it. */
  archived_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  /** Who paused the workflow, when and why (NULL while not paused). */
  paused_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  paused_by: string | null
  pause_reason: string | null
}

/** One run of a workflow; its row lock serialises the run's transitions. */
export interface RunsTable {
  id: string
  workflow: string
  version_hash: string
  idempotency_key: string
  partition: string | null
  params: Json
  status: string
  trigger: Generated<string>
  requested_by: string | null
  tasks_total: number
  tasks_terminal: Generated<number>
  tasks_bad: Generated<number>
  cancel_reason: string | null
  created_at: GeneratedTimestamp
  started_at: Timestamp | null
  finished_at: Timestamp | null
  updated_at: GeneratedTimestamp
  /** Runs of one group (`wf:<name>`, `backfill:<id>`) start at most `concurrency_limit` at once. */
  concurrency_key: string | null
  concurrency_limit: number | null
  backfill_id: string | null
  /** The cron time a scheduled run is for. */
  scheduled_for: Timestamp | null
  /** Bumped by every batch that touches the run: an unlocked batch writes only if it is unchanged. */
  version: Generated<string>
  /** A child run (sub-workflow): the parent run, task and attempt that started it. */
  parent_run_id: Generated<string | null>
  parent_task_id: Generated<string | null>
  parent_attempt: Generated<number | null>
}

/** The current state of one task in one run, with counters of its upstream outcomes. */
export interface TaskStatesTable {
  run_id: string
  task_id: string
  status: string
  attempt: Generated<number>
  queue: string
  n_upstream: number
  n_done: Generated<number>
  n_succeeded: Generated<number>
  n_failed: Generated<number>
  n_skipped: Generated<number>
  output: Json | null
  error: Json | null
  worker_id: string | null
  queued_at: Timestamp | null
  started_at: Timestamp | null
  finished_at: Timestamp | null
  updated_at: GeneratedTimestamp
  /** Attempts before an operator reopened the task: its retry budget counts from here. */
  attempt_base: Generated<number>
  /** An instance of a mapped task (`task[i]`): the mapped task's id, else null. */
  map_of: string | null
  /** An instance's index in the upstream list. */
  map_index: number | null
  /** An instance's element of the upstream list. */
  map_element: Json | null
  /** A mapped task: how many instances it has (null until its list was read). */
  map_total: number | null
  /** A mapped task: its instances that succeeded. */
  map_succeeded: Generated<number>
  /** A mapped task: its instances that failed (after their retries). */
  map_failed: Generated<number>
}

/** One attempt at a task. */
export interface TaskAttemptsTable {
  run_id: string
  task_id: string
  attempt: number
  status: string
  worker_id: string | null
  queued_at: Timestamp
  started_at: Timestamp | null
  finished_at: Timestamp | null
  output: Json | null
  error: Json | null
  details: Json | null
}

/** Append-only record of every transition and every ignored event. */
export interface HistoryTable {
  id: Generated<string>
  run_id: string
  task_id: string | null
  attempt: number | null
  kind: string
  from_status: string | null
  to_status: string | null
  event_id: string | null
  reason: string | null
  at: GeneratedTimestamp
}

/** Messages committed with a transition, published after commit (transactional outbox). */
export interface OutboxTable {
  id: Generated<string>
  transport: string
  subject: string
  msg_id: string
  payload: Json
  traceparent: string | null
  created_at: GeneratedTimestamp
  /** Claimed by a relay until then (published outside any transaction); null = free. */
  relay_leased_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

/** Durable timers: retries, timeouts, deadlines. */
export interface TimersTable {
  id: Generated<string>
  kind: string
  run_id: string
  task_id: Generated<string>
  attempt: Generated<number>
  fire_at: Timestamp
  /** `fanout_continue` only: the index in the task's downstream list where the next chunk starts. */
  next_index: Generated<number>
}

/** Messages that could not be accepted, with the reason. */
export interface DeadLettersTable {
  id: Generated<string>
  subject: string
  msg_id: string | null
  payload: string
  reason: string
  received_at: GeneratedTimestamp
  /** Deliveries of the same message (subject, msg_id) recorded into this row. */
  count: Generated<number>
  last_at: GeneratedTimestamp
}

/** A workflow's cron schedule and its next tick (the durable timer of the scheduler). */
export interface SchedulesTable {
  workflow: string
  cron: string
  timezone: string
  catchup: string
  max_active_runs: number | null
  partition_kind: string
  next_fire_at: Timestamp
  last_fired_at: Timestamp | null
  updated_at: GeneratedTimestamp
}

/** Sources a workflow waits for (`role = 'waits'`) or produces (`'produces'`). */
export interface WorkflowSourcesTable {
  workflow: string
  source: string
  role: string
}

/** Every source-landed event accepted, with its uri and time. */
export interface SourceLandingsTable {
  id: Generated<number>
  event_id: string
  source: string
  partition: string | null
  uri: string | null
  landed_at: Timestamp
  meta: Json | null
  received_at: GeneratedTimestamp
}

/** Readiness of one workflow's partition: which sources landed, and its deadline. */
export interface ReadinessTable {
  workflow: string
  partition: string
  landed: ColumnType<string[], string[] | undefined, string[]>
  status: string
  first_landed_at: Timestamp
  deadline_at: Timestamp | null
  run_id: string | null
  updated_at: GeneratedTimestamp
}

/** A backfill: one run per partition in a range, at most `concurrency` at once. */
export interface BackfillsTable {
  id: string
  workflow: string
  from_partition: string
  to_partition: string
  concurrency: number
  rerun: string
  partitions: number
  skipped: number
  cancel_reason: string | null
  created_at: GeneratedTimestamp
}

/** Alerts raised (readiness missed, …), kept for the record. */
export interface AlertsTable {
  id: Generated<number>
  kind: string
  workflow: string | null
  partition: string | null
  run_id: string | null
  details: Json
  created_at: GeneratedTimestamp
  /** What the alert is about; repeats of a firing cause fold into it (count). */
  cause_key: string | null
  owner: string | null
  status: Generated<string>
  count: Generated<number>
  last_at: GeneratedTimestamp
  resolved_at: Timestamp | null
}

/** One notification of an alert to one channel (trigger or resolve), retried until delivered. */
export interface AlertDeliveriesTable {
  id: Generated<number>
  alert_id: number
  channel: string
  action: string
  attempts: Generated<number>
  next_attempt_at: GeneratedTimestamp
  delivered_at: Timestamp | null
  last_error: string | null
  created_at: GeneratedTimestamp
  /** Claimed by a delivery job until then (sent outside any transaction); null = free. */
  leased_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

/** Queues seen with work waiting and no worker polling. */
export interface QueueWatchTable {
  queue: string
  unattended_at: Timestamp | null
  alerted: Generated<boolean>
}

/** An API token: the SHA-256 of its secret, never the secret; its grants as `[{ role, workflows?, owner? }]`. */
export interface ApiTokensTable {
  id: string
  name: string
  token_hash: Buffer
  grants: Json
  created_by: string | null
  created_at: GeneratedTimestamp
  expires_at: Timestamp | null
  revoked_at: Timestamp | null
  revoked_by: string | null
  last_used_at: Timestamp | null
}

/** Every API action and refused attempt; append-only (a trigger refuses UPDATE, DELETE, TRUNCATE). */
export interface AuditLogTable {
  id: Generated<number>
  at: GeneratedTimestamp
  actor: string
  role: string | null
  action: string
  resource: string | null
  params: Json | null
  result: string
  status: number | null
  reason: string | null
  client_address: string | null
}

/** A named slot budget shared by every workflow (`baton pools set`). */
export interface PoolsTable {
  name: string
  slots: number
  fair_share: Generated<boolean>
  /** Owner → weight under fair share (absent owners weigh 1). */
  weights: ColumnType<Record<string, number>, string | undefined, string>
  description: string | null
  updated_by: string
  updated_at: GeneratedTimestamp
}

/** A queued attempt waiting for slots of one group (a pool, or its task's concurrency). */
export interface TaskSlotWaitsTable {
  run_id: string
  task_id: string
  attempt: number
  group_key: string
  slots: number
  /** The group's limit when the definition sets it (task concurrency); null for a pool (its row). */
  lim: number | null
  priority: Generated<number>
  owner: Generated<string>
  enqueued_at: Timestamp
}

/** Slots of one group held by a queued or running attempt. */
export interface TaskSlotHoldsTable {
  run_id: string
  task_id: string
  attempt: number
  group_key: string
  slots: number
  owner: Generated<string>
  granted_at: Timestamp
}

/** One deploy that made a version current (or restored an archived workflow). */
export interface WorkflowDeploymentsTable {
  id: Generated<string>
  workflow: string
  hash: string
  deployed_by: string
  deployed_at: GeneratedTimestamp
  restored: Generated<boolean>
}

/** The whole database of one namespace. */
export interface Database {
  schedules: SchedulesTable
  workflow_sources: WorkflowSourcesTable
  source_landings: SourceLandingsTable
  readiness: ReadinessTable
  backfills: BackfillsTable
  alerts: AlertsTable
  alert_deliveries: AlertDeliveriesTable
  queue_watch: QueueWatchTable
  workflow_versions: WorkflowVersionsTable
  workflows: WorkflowsTable
  runs: RunsTable
  task_states: TaskStatesTable
  task_attempts: TaskAttemptsTable
  history: HistoryTable
  outbox: OutboxTable
  timers: TimersTable
  dead_letters: DeadLettersTable
  api_tokens: ApiTokensTable
  audit_log: AuditLogTable
  pools: PoolsTable
  task_slot_waits: TaskSlotWaitsTable
  task_slot_holds: TaskSlotHoldsTable
  workflow_deployments: WorkflowDeploymentsTable
}

/** A run row. */
export type RunRow = Selectable<RunsTable>
/** A task state row. */
export type TaskStateRow = Selectable<TaskStatesTable>
/** A new task state row. */
export type NewTaskState = Insertable<TaskStatesTable>
/** A task state update. */
export type TaskStateUpdate = Updateable<TaskStatesTable>
/** A timer row. */
export type TimerRow = Selectable<TimersTable>
/** An outbox row. */
export type OutboxRow = Selectable<OutboxTable>
