import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.
// Runs with search_path set to the namespace schema.

/** Creates the engine's tables. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE workflow_versions (
      hash        text PRIMARY KEY,
      name        text NOT NULL,
      definition  jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX workflow_versions_name ON workflow_versions (name, created_at);

    CREATE TABLE workflows (
      name          text PRIMARY KEY,
      current_hash  text NOT NULL REFERENCES workflow_versions (hash),
      paused        boolean NOT NULL DEFAULT false,
      updated_at    timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE runs (
      id               uuid PRIMARY KEY,
      workflow         text NOT NULL,
      version_hash     text NOT NULL REFERENCES workflow_versions (hash),
      idempotency_key  text NOT NULL,
      partition        text,
      params           jsonb NOT NULL DEFAULT '{}',
      status           text NOT NULL,
      trigger          text NOT NULL DEFAULT 'manual',
      requested_by     text,
      tasks_total      integer NOT NULL,
      tasks_terminal   integer NOT NULL DEFAULT 0,
      tasks_bad        integer NOT NULL DEFAULT 0,
      cancel_reason    text,
      created_at       timestamptz NOT NULL DEFAULT now(),
      started_at       timestamptz,
      finished_at      timestamptz,
      updated_at       timestamptz NOT NULL DEFAULT now(),
      UNIQUE (workflow, idempotency_key)
    );
    CREATE INDEX runs_workflow_created ON runs (workflow, created_at DESC);
    CREATE INDEX runs_status ON runs (status) WHERE status IN ('queued', 'running');

    CREATE TABLE task_states (
      run_id        uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      task_id       text NOT NULL,
      status        text NOT NULL,
      attempt       integer NOT NULL DEFAULT 0,
      queue         text NOT NULL,
      n_upstream    integer NOT NULL,
      n_done        integer NOT NULL DEFAULT 0,
      n_succeeded   integer NOT NULL DEFAULT 0,
      n_failed      integer NOT NULL DEFAULT 0,
      n_skipped     integer NOT NULL DEFAULT 0,
      output        jsonb,
      error         jsonb,
      worker_id     text,
      queued_at     timestamptz,
      started_at    timestamptz,
      finished_at   timestamptz,
      updated_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, task_id)
    );

    CREATE TABLE task_attempts (
      run_id       uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      task_id      text NOT NULL,
      attempt      integer NOT NULL,
      status       text NOT NULL,
      worker_id    text,
      queued_at    timestamptz NOT NULL,
      started_at   timestamptz,
      finished_at  timestamptz,
      output       jsonb,
      error        jsonb,
      details      jsonb,
      PRIMARY KEY (run_id, task_id, attempt)
    );

    CREATE TABLE history (
      id           bigserial PRIMARY KEY,
      run_id       uuid NOT NULL,
      task_id      text,
      attempt      integer,
      kind         text NOT NULL,
      from_status  text,
      to_status    text,
      event_id     text,
      reason       text,
      at           timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX history_run ON history (run_id, id);

    CREATE TABLE outbox (
      id           bigserial PRIMARY KEY,
      transport    text NOT NULL,
      subject      text NOT NULL,
      msg_id       text NOT NULL,
      payload      jsonb NOT NULL,
      traceparent  text,
      created_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE timers (
      id        bigserial PRIMARY KEY,
      kind      text NOT NULL,
      run_id    uuid NOT NULL,
      task_id   text NOT NULL DEFAULT '',
      attempt   integer NOT NULL DEFAULT 0,
      fire_at   timestamptz NOT NULL,
      UNIQUE (kind, run_id, task_id, attempt)
    );
    CREATE INDEX timers_fire_at ON timers (fire_at);

    CREATE TABLE dead_letters (
      id           bigserial PRIMARY KEY,
      subject      text NOT NULL,
      msg_id       text,
      payload      text NOT NULL,
      reason       text NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
