import { Command, CommanderError } from 'commander'
import { BatonError, UnavailableError, ValidationError } from '@baton/shared'
import { registerRunCommands } from './commands/runs.js'
import { registerServiceCommands } from './commands/services.js'
import { registerDeployCommand } from './commands/deploy.js'
import { registerTriggerCommands } from './commands/triggers.js'
import { registerLogsCommand } from './commands/logs.js'

const program = new Command('baton')
  .description('Baton: a durable, event-driven orchestrator for data pipelines')
  .showHelpAfterError()
  .exitOverride()
registerServiceCommands(program)
registerDeployCommand(program)
registerRunCommands(program)
registerTriggerCommands(program)
registerLogsCommand(program)

/** Exit codes: 1 the run failed / command failed, 2 a user mistake, 3 a dependency is unavailable. */
try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2)
  if (e instanceof ValidationError) {
    for (const i of e.issues) process.stderr.write(`error: ${i.path ? `${i.path}: ` : ''}${i.reason}\n`)
    process.exit(2)
  }
  if (e instanceof UnavailableError) {
    process.stderr.write(`error: ${e.message}\n`)
    process.exit(3)
  }
  if (e instanceof BatonError) {
    process.stderr.write(`error: ${e.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`error: ${(e as Error)?.message ?? String(e)}\n`)
  if (process.env.BATON_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`)
  process.exit(1)
}
