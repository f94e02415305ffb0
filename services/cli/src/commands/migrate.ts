import type { Command } from 'commander'
import { lazyAction } from '../lazy-action.js'

/** `migrate`: the schema step of an upgrade, run before new code (the Kubernetes migration Job). */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      "bring the namespace's Postgres schema to this version's migrations (creating it if missing) and exit; safe to run twice at once (one applies, the other waits and finds nothing to do). Coordinators and the API also migrate at start: run this first so an upgrade's schema step is its own, watched step",
    )
    .option('--status', 'only report applied and pending migrations; change nothing (exit 1 when some are pending)')
    .option('--json', 'print { namespace, applied, pending, unknown }')
    .action(lazyAction(async () => (await import('../actions/migrate.js')).migrate))
}
