import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Access control of the API (docs/access-control.md):
 * - `api_tokens`: one row per API token. The secret (`baton_<id>_<random>`) is never stored, only
 *   its SHA-256; `id` is the public part of the secret, so a lookup is one primary-key read.
 * - `audit_log`: every action and every refused attempt, append-only — a statement trigger
 *   refuses UPDATE, DELETE and TRUNCATE whoever runs them (only DROP removes it, with the schema).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE api_tokens (
      id           text PRIMARY KEY,
      name         text NOT NULL UNIQUE,
      token_hash   bytea NOT NULL,
      grants       jsonb NOT NULL,
      created_by   text,
      created_at   timestamptz NOT NULL DEFAULT now(),
      expires_at   timestamptz,
      revoked_at   timestamptz,
      revoked_by   text,
      last_used_at timestamptz
    );

    CREATE TABLE audit_log (
      id             bigserial PRIMARY KEY,
      at             timestamptz NOT NULL DEFAULT now(),
      actor          text NOT NULL,
      role           text,
      action         text NOT NULL,
      resource       text,
      params         jsonb,
      result         text NOT NULL CHECK (result IN ('ok', 'denied', 'failed', 'unauthenticated')),
      status         integer,
      reason         text,
      client_address text
    );
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE INDEX audit_log_actor ON audit_log (actor, id);

    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
