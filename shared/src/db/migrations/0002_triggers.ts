import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/** Triggers: schedules, source landings and readiness, backfills, run admission, alerts. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Runs that wait for a slot (maxActiveRuns, backfill concurrency) stay 'queued' in a group.
    ALTER TABLE runs
      ADD COLUMN concurrency_key   text,
      ADD COLUMN concurrency_limit integer,
      ADD COLUMN backfill_id       uuid,
      ADD COLUMN scheduled_for     timestamptz;
    CREATE INDEX runs_admission ON runs (concurrency_key, partition, created_at) WHERE status = 'queued';
    CREATE INDEX runs_group_running ON runs (concurrency_key) WHERE status = 'running';
    CREATE INDEX runs_workflow_partition ON runs (workflow, partition, created_at DESC);
    CREATE INDEX runs_backfill ON runs (backfill_id) WHERE backfill_id IS NOT NULL;

    CREATE TABLE schedules (
      workflow        text PRIMARY KEY,
      cron            text NOT NULL,
      timezone        text NOT NULL,
      catchup         text NOT NULL,
      max_active_runs integer,
      partition_kind  text NOT NULL,
      next_fire_at    timestamptz NOT NULL,
      last_fired_at   timestamptz,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX schedules_due ON schedules (next_fire_at);

    -- Which sources each workflow waits for or produces (from the current version).
    CREATE TABLE workflow_sources (
      workflow  text NOT NULL,
      source    text NOT NULL,
      role      text NOT NULL,
      PRIMARY KEY (workflow, source, role)
    );
    CREATE INDEX workflow_sources_source ON workflow_sources (source);

    CREATE TABLE source_landings (
      id               bigserial PRIMARY KEY,
      event_id         text NOT NULL UNIQUE,
      source           text NOT NULL,
      partition        text,
      uri              text,
      landed_at        timestamptz NOT NULL,
      meta             jsonb,
      received_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX source_landings_source_partition ON source_landings (source, partition, id);

    CREATE TABLE readiness (
      workflow         text NOT NULL,
      partition        text NOT NULL,
      landed           text[] NOT NULL DEFAULT '{}',
      status           text NOT NULL,
      first_landed_at  timestamptz NOT NULL,
      deadline_at      timestamptz,
      run_id           uuid,
      updated_at       timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workflow, partition)
    );
    CREATE INDEX readiness_deadline ON readiness (deadline_at) WHERE status = 'waiting';

    CREATE TABLE backfills (
      id              uuid PRIMARY KEY,
      workflow        text NOT NULL,
      from_partition  text NOT NULL,
      to_partition    text NOT NULL,
      concurrency     integer NOT NULL,
      rerun           text NOT NULL,
      partitions      integer NOT NULL,
      skipped         integer NOT NULL,
      cancel_reason   text,
      created_at      timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE alerts (
      id          bigserial PRIMARY KEY,
      kind        text NOT NULL,
      workflow    text,
      partition   text,
      run_id      uuid,
      details     jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
