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
  return /connection|terminat|timeout|Connection terminated/i.test(err?.message ?? '')
}
