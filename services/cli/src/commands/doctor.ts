import type { Command } from 'commander'
import { lazyAction } from '../lazy-action.js'

/** `doctor`: what the deployment needs for Baton's guarantees, checked and explained. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      "check what Baton's guarantees need from this deployment (NATS version, streams, consumers, Postgres durability settings, migrations, clock skew): ok, warn or fail per check, with why; read-only; exit 1 when a check fails",
    )
    .option('--json', 'print { checks: [{ name, status, value, advice }], ok }')
    .action(lazyAction(async () => (await import('../actions/doctor.js')).doctor))
}
