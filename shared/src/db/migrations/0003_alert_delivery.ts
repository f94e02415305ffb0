import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/** Alerts with owners: one row per cause (folded repeats, resolution) and durable deliveries. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE alerts
      ADD COLUMN cause_key   text,
      ADD COLUMN owner       text,
      ADD COLUMN status      text NOT NULL DEFAULT 'firing',
      ADD COLUMN count       integer NOT NULL DEFAULT 1,
      ADD COLUMN last_at     timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN resolved_at timestamptz;
    CREATE UNIQUE INDEX alerts_firing_cause ON alerts (cause_key) WHERE status = 'firing' AND cause_key IS NOT NULL;
    CREATE INDEX alerts_workflow_partition ON alerts (workflow, partition) WHERE status = 'firing';

    -- One row per (alert, channel, action): retried with backoff until delivered, never twice.
    CREATE TABLE alert_deliveries (
      id               bigserial PRIMARY KEY,
      alert_id         bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      channel          text NOT NULL,
      action           text NOT NULL,
      attempts         integer NOT NULL DEFAULT 0,
      next_attempt_at  timestamptz NOT NULL DEFAULT now(),
      delivered_at     timestamptz,
      last_error       text,
      created_at       timestamptz NOT NULL DEFAULT now(),
      UNIQUE (alert_id, channel, action)
    );
    CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE delivered_at IS NULL;

    -- When a queue was first seen with work waiting and no worker polling.
    CREATE TABLE queue_watch (
      queue          text PRIMARY KEY,
      unattended_at  timestamptz,
      alerted        boolean NOT NULL DEFAULT false
    );
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
