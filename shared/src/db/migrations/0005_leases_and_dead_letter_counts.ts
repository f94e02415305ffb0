import { sql, type Kysely } from 'kysely'

// Frozen in time: never edit after it lands; add a new numbered migration instead.

/**
 * Dead letters are recorded once per message (a redelivered one counts up instead of adding a
 * row), and work that calls out of the process — alert deliveries, the outbox relay — is claimed
 * with a lease in a short transaction and done outside it, so no transaction waits on the network.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE dead_letters
      ADD COLUMN count   integer NOT NULL DEFAULT 1,
      ADD COLUMN last_at timestamptz NOT NULL DEFAULT now();
    -- Rows recorded twice before this migration fold into the first.
    UPDATE dead_letters d SET count = g.n, last_at = g.last
    FROM (SELECT min(id) AS id, count(*) AS n, max(received_at) AS last FROM dead_letters WHERE msg_id IS NOT NULL GROUP BY subject, msg_id HAVING count(*) > 1) g
    WHERE d.id = g.id;
    DELETE FROM dead_letters d USING dead_letters e
    WHERE d.msg_id IS NOT NULL AND d.subject = e.subject AND d.msg_id = e.msg_id AND d.id > e.id;
    CREATE UNIQUE INDEX dead_letters_message ON dead_letters (subject, msg_id) WHERE msg_id IS NOT NULL;

    ALTER TABLE alert_deliveries ADD COLUMN leased_until timestamptz;
    ALTER TABLE outbox ADD COLUMN relay_leased_until timestamptz;
  `.execute(db)
}
