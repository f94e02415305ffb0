import { migrationStatus } from '@baton/shared'
import { CliClient } from '../client.js'

/**
 * `baton migrate [--status] [--json]`: applies the migrations this version knows (under the
 * namespace's advisory lock, so two Jobs at once apply each migration once), then prints what it
 * applied and where the schema stands. With `--status` it only reads. Like every one-shot
 * command it fails fast (exit 3, one line) when Postgres cannot be reached: a Kubernetes Job
 * retries it by its backoffLimit.
 */
export async function migrate(opts: { status?: boolean; json?: boolean }): Promise<void> {
  const client = new CliClient()
  try {
    const db = await client.db({ readOnly: opts.status === true })
    const namespace = client.config.namespace
    const status = await migrationStatus(db, namespace)
    const report = { namespace, appliedNow: [...client.migratedNow], applied: status.applied, pending: status.pending, unknown: status.unknown }
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : lines(report))
    if (status.pending.length > 0) process.exitCode = 1
  } finally {
    await client.close()
  }
}

function lines(r: { namespace: string; appliedNow: readonly string[]; applied: readonly string[]; pending: readonly string[]; unknown: readonly string[] }): string {
  const out = [r.appliedNow.length ? `applied ${r.appliedNow.length} migration(s) to '${r.namespace}': ${r.appliedNow.join(', ')}` : `'${r.namespace}': nothing to apply`]
  out.push(`${r.applied.length} applied, ${r.pending.length} pending${r.pending.length ? `: ${r.pending.join(', ')}` : ''}`)
  // A newer Baton ran here: this version may not know its tables. Roll forward, never back.
  if (r.unknown.length) out.push(`warning: applied by a newer Baton, unknown to this one: ${r.unknown.join(', ')}`)
  return `${out.join('\n')}\n`
}
