import { sql, type RawBuilder } from 'kysely'

/**
 * The channel the API's live-updates tail LISTENs on (services/api/src/live/notify-listener.ts
 * holds the same name); the payload is the namespace (the connection's schema), so APIs of other
 * namespaces on the same server ignore it.
 */
export const HISTORY_NOTIFY_CHANNEL = 'baton_history'

/**
 * Tells the API's live tails that this transaction wrote history. Postgres delivers a
 * notification only when its transaction commits (and once, however often it is sent in it), so
 * a woken tail finds the rows. Only a wake-up: the tails also poll, so none depends on it. An
 * expression, evaluated inside the batch's one write statement (`writeBatchCounted`'s `notify`):
 * a statement of its own would cost every batch a round trip.
 */
export function notifyHistoryWrittenExpression(): RawBuilder<unknown> {
  return sql`pg_notify(${HISTORY_NOTIFY_CHANNEL}, current_schema())`
}
