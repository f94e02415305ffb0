/**
 * Postgres failures by what the caller should do. SQLSTATE classes from the Postgres manual:
 * 08 connection exception, 40 transaction rollback (serialization, deadlock), 53 insufficient
 * resources, 57 operator intervention (shutdown), plus Node socket errors.
 */
export function isTransientDbError(e: unknown): boolean {
  const err = e as { code?: string; message?: string }
  const code = err?.code ?? ''
  if (/^(08|40|53|57)/.test(code)) return true
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true
  // pg's own messages for a lost or unobtainable connection (no SQLSTATE); not any message that
  // happens to quote a user's value containing "timeout".
  return /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/.test(err?.message ?? '')
}
