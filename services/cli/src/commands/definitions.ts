import type { Command } from 'commander'
import { lazyAction } from '../lazy-action.js'

/** `validate`, `deploy`, `undeploy`, `workflows`: workflow definitions and what is deployed. */
export function registerDefinitionCommands(program: Command): void {
  program
    .command('validate')
    .description('check workflow definitions without deploying them (no database writes): every problem is listed; exit 0 when all are valid, 2 otherwise')
    .argument('<paths...>', 'files or folders (.ts, .mts, .js, .mjs, .json, .yaml, .yml)')
    .option('--json', 'print the result as JSON')
    .action(lazyAction(async () => (await import('../actions/definitions.js')).validate))

  program
    .command('deploy')
    .description('validate and deploy workflow definitions (nothing is deployed while any file has a problem); warns about tasks no worker can run')
    .argument('<paths...>', 'files or folders (.ts, .mts, .js, .mjs, .json, .yaml, .yml)')
    .option('--json', 'print the result as JSON')
    .action(lazyAction(async () => (await import('../actions/definitions.js')).deploy))

  program
    .command('undeploy')
    .description('archive a workflow: its schedule and data gate stop starting runs, it leaves `baton status`, its runs stay readable; `baton deploy` restores it')
    .argument('<workflow>', 'workflow name')
    .action(lazyAction(async () => (await import('../actions/definitions.js')).undeploy))

  const workflows = program.command('workflows').description('deployed workflows: `workflows` (list), `workflows history NAME`, `workflows diff NAME FROM [TO]`')
  workflows
    .command('list', { isDefault: true })
    .description('list deployed workflows: owner, schedule and next run in its timezone, data gate, archived or not, last run (the default)')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/definitions.js')).workflows))
  workflows
    .command('history')
    .description("a workflow's deploys, newest first: version, who deployed it, when, runs on it")
    .argument('<workflow>', 'workflow name')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/workflow-history.js')).history))
  workflows
    .command('diff')
    .description("what changed in a workflow's definition between two versions")
    .argument('<workflow>', 'workflow name')
    .argument('<from>', 'a version: 6+ characters of its hash, or current')
    .argument('[to]', 'a version (default: current)', 'current')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/workflow-history.js')).diff))
}
