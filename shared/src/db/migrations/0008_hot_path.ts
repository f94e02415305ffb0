import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * The shorter hot path (docs/architecture.md, "Batching and latency"):
 * - `timers.next_index`: a wide fan-out notifies its downstream a chunk per transaction; a
 *   `fanout_continue` timer holds where the next chunk starts.
 * - `runs.version`: bumped by every batch that touches a run. A batch that read without locking
 *   writes only if the version is still the one it read (optimistic apply).
 * - `baton_guard_failed`: raises BT409 from inside a batch's write statement when a guarded
 *   update found its row changed, so the whole statement — its own transaction, when applied
 *   without one — rolls back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE timers ADD COLUMN next_index integer NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN version bigint NOT NULL DEFAULT 0;
    CREATE FUNCTION baton_guard_failed(detail text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      RAISE EXCEPTION 'guarded write mismatch: %', detail USING ERRCODE = 'BT409';
    END
    $$;
  `.execute(db)
}

/** Forward-only: never rolled back. */
export async function down(): Promise<void> {
  throw new Error('migrations are forward-only')
}
