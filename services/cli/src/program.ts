import { Command } from 'commander'
import { registerDefinitionCommands } from './commands/definitions.js'
import { registerRunCommands } from './commands/runs.js'
import { registerTriggerCommands } from './commands/triggers.js'
import { registerObserveCommands } from './commands/observe.js'
import { registerServiceCommands } from './commands/services.js'
import { registerDoctorCommand } from './commands/doctor.js'
import { registerMigrateCommand } from './commands/migrate.js'
import { registerAccessCommands } from './commands/access.js'
import { registerOperatorCommands } from './commands/operator.js'
import { registerPoolCommands } from './commands/pools.js'

/** Set by the bundler from services/cli/package.json (scripts/build-cli.mjs). */
declare const __BATON_VERSION__: string | undefined

/** The CLI's version: the package's, or `0.0.0-dev` when run from source. */
export const CLI_VERSION = typeof __BATON_VERSION__ === 'string' ? __BATON_VERSION__ : '0.0.0-dev'

/** The `baton` command with every subcommand registered (their implementations load on use). */
export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: a durable, event-driven orchestrator for data pipelines')
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
  registerDefinitionCommands(program)
  registerRunCommands(program)
  registerOperatorCommands(program)
  registerTriggerCommands(program)
  registerObserveCommands(program)
  registerAccessCommands(program)
  registerPoolCommands(program)
  registerServiceCommands(program)
  registerDoctorCommand(program)
  registerMigrateCommand(program)
  return program
}
