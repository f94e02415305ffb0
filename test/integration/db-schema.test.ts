import pg from 'pg'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { createDb, dropNamespaceSchema, loadConfig, migrateToLatest, MIGRATION_NAMES, type Database } from '@baton/shared'
import { assertNoLeaks } from '../support/leak-check.js'
import { createTestNamespace, type TestNamespace } from '../support/namespace.js'

// The checked-in Kysely types (shared/src/db/types.ts) must match what the migrations create.
// `satisfies Record<keyof T, true>` makes the compiler keep these lists equal to the interfaces;
// the test then compares them with the live catalogue, so drift either way fails CI.

const columns = {
  workflow_versions: { hash: true, name: true, definition: true, created_at: true },
  workflows: { name: true, current_hash: true, paused: true, updated_at: true, archived_at: true, paused_at: true, paused_by: true, pause_reason: true },
  runs: {
    id: true, workflow: true, version_hash: true, idempotency_key: true, partition: true, params: true, status: true, trigger: true,
    requested_by: true, tasks_total: true, tasks_terminal: true, tasks_bad: true, cancel_reason: true, created_at: true, started_at: true,
    finished_at: true, updated_at: true, concurrency_key: true, concurrency_limit: true, backfill_id: true, scheduled_for: true, version: true,
    parent_run_id: true, parent_task_id: true, parent_attempt: true,
  },
  schedules: { workflow: true, cron: true, timezone: true, catchup: true, max_active_runs: true, partition_kind: true, next_fire_at: true, last_fired_at: true, updated_at: true },
  workflow_sources: { workflow: true, source: true, role: true },
  source_landings: { id: true, event_id: true, source: true, partition: true, uri: true, landed_at: true, meta: true, received_at: true },
  readiness: { workflow: true, partition: true, landed: true, status: true, first_landed_at: true, deadline_at: true, run_id: true, updated_at: true },
  backfills: { id: true, workflow: true, from_partition: true, to_partition: true, concurrency: true, rerun: true, partitions: true, skipped: true, cancel_reason: true, created_at: true },
  alerts: { id: true, kind: true, workflow: true, partition: true, run_id: true, details: true, created_at: true, cause_key: true, owner: true, status: true, count: true, last_at: true, resolved_at: true },
  alert_deliveries: { id: true, alert_id: true, channel: true, action: true, attempts: true, next_attempt_at: true, delivered_at: true, last_error: true, created_at: true, leased_until: true },
  queue_watch: { queue: true, unattended_at: true, alerted: true },
  task_states: {
    run_id: true, task_id: true, status: true, attempt: true, queue: true, n_upstream: true, n_done: true, n_succeeded: true, n_failed: true,
    n_skipped: true, output: true, error: true, worker_id: true, queued_at: true, started_at: true, finished_at: true, updated_at: true,
    attempt_base: true, map_of: true, map_index: true, map_element: true, map_total: true, map_succeeded: true, map_failed: true,
  },
  task_attempts: { run_id: true, task_id: true, attempt: true, status: true, worker_id: true, queued_at: true, started_at: true, finished_at: true, output: true, error: true, details: true },
  history: { id: true, run_id: true, task_id: true, attempt: true, kind: true, from_status: true, to_status: true, event_id: true, reason: true, at: true },
  outbox: { id: true, transport: true, subject: true, msg_id: true, payload: true, traceparent: true, created_at: true, relay_leased_until: true },
  timers: { id: true, kind: true, run_id: true, task_id: true, attempt: true, fire_at: true, next_index: true },
  dead_letters: { id: true, subject: true, msg_id: true, payload: true, reason: true, received_at: true, count: true, last_at: true },
  api_tokens: { id: true, name: true, token_hash: true, grants: true, created_by: true, created_at: true, expires_at: true, revoked_at: true, revoked_by: true, last_used_at: true },
  audit_log: { id: true, at: true, actor: true, role: true, action: true, resource: true, params: true, result: true, status: true, reason: true, client_address: true },
  pools: { name: true, slots: true, fair_share: true, weights: true, description: true, updated_by: true, updated_at: true },
  task_slot_waits: { run_id: true, task_id: true, attempt: true, group_key: true, slots: true, lim: true, priority: true, owner: true, enqueued_at: true },
  task_slot_holds: { run_id: true, task_id: true, attempt: true, group_key: true, slots: true, owner: true, granted_at: true },
  workflow_deployments: { id: true, workflow: true, hash: true, deployed_by: true, deployed_at: true, restored: true },
} satisfies { [T in keyof Database]: Record<keyof Database[T], true> }

let ns: TestNamespace
before(async () => {
  ns = await createTestNamespace('dbschema')
})
after(async () => {
  await ns.close()
  await assertNoLeaks()
})

test('the Kysely types match the migrated schema, table by table and column by column', async () => {
  const rows = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = ${ns.config.namespace} AND table_name NOT LIKE 'kysely_%'`.execute(ns.db)
  const live = new Map<string, Set<string>>()
  for (const r of rows.rows) live.set(r.table_name, (live.get(r.table_name) ?? new Set()).add(r.column_name))
  assert.deepEqual([...live.keys()].sort(), Object.keys(columns).sort(), 'tables')
  for (const [table, cols] of Object.entries(columns)) assert.deepEqual([...live.get(table)!].sort(), Object.keys(cols).sort(), `columns of ${table}`)
})

test('migrations are safe when several processes start together', async () => {
  const base = loadConfig(process.env)
  const namespace = `${ns.config.namespace}_race`
  try {
    const results = await Promise.all(Array.from({ length: 5 }, () => migrateToLatest(base.databaseUrl, namespace)))
    // Every migration applied, each by exactly one of the five.
    assert.deepEqual(results.flat().sort(), [...MIGRATION_NAMES].sort(), 'each migration was applied by exactly one process')
    const db = createDb(base.databaseUrl, namespace)
    const n = await db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    assert.equal(Number(n.n), 0)
    await db.destroy()
  } finally {
    await dropNamespaceSchema(base.databaseUrl, namespace)
  }
})

test('migrations succeed while other namespaces on the same server are created and dropped', async () => {
  // Kysely's migrator introspects every schema; a neighbour's DROP SCHEMA at that moment used to
  // fail our migration (seen in CI: `relation "t_oidc_….source_landings" does not exist`). The
  // neighbour here is many small tables created and dropped in a loop, and our namespace is
  // migrated again and again (each call introspects the catalog even with nothing to apply).
  const base = loadConfig(process.env)
  const namespace = `${ns.config.namespace}_beside`
  const neighbour = `${ns.config.namespace}_churn`
  const tables = Array.from({ length: 40 }, (_, i) => `CREATE TABLE "${neighbour}".t${i} (id serial PRIMARY KEY, note text)`).join('; ')
  const churnClient = new pg.Client({ connectionString: base.databaseUrl })
  await churnClient.connect()
  let churning = true
  let dropped = 0
  const churn = (async () => {
    while (churning) {
      await churnClient.query(`CREATE SCHEMA "${neighbour}"; ${tables}`)
      await churnClient.query(`DROP SCHEMA "${neighbour}" CASCADE`)
      dropped++
    }
  })()
  let migrations = 0
  try {
    assert.deepEqual(await migrateToLatest(base.databaseUrl, namespace), [...MIGRATION_NAMES], 'the first call applies every migration')
    for (let i = 0; i < 60; i++) {
      assert.deepEqual(await migrateToLatest(base.databaseUrl, namespace), [], `call ${i + 2} has nothing to apply`)
      migrations++
    }
  } finally {
    churning = false
    await churn
    await churnClient.query(`DROP SCHEMA IF EXISTS "${neighbour}" CASCADE`)
    await churnClient.end()
    await dropNamespaceSchema(base.databaseUrl, namespace)
  }
  assert.equal(migrations, 60, 'every call beside the churn succeeded')
  assert.equal(dropped > 0, true, 'the neighbour schema was dropped meanwhile')
})

test("a schema a newer Baton migrated further (a migration this version does not know) does not stop this version's migrate", async () => {
  const base = loadConfig(process.env)
  const namespace = `${ns.config.namespace}_newer`
  try {
    await migrateToLatest(base.databaseUrl, namespace)
    const client = new pg.Client({ connectionString: base.databaseUrl })
    await client.connect()
    await client.query(`INSERT INTO "${namespace}".kysely_migration (name, timestamp) VALUES ('9999_from_a_newer_baton', now()::text)`)
    await client.end()
    assert.deepEqual(await migrateToLatest(base.databaseUrl, namespace), [], 'nothing to apply, and no refusal of the unknown migration')
  } finally {
    await dropNamespaceSchema(base.databaseUrl, namespace)
  }
})
