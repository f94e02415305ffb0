import type { Command } from 'commander'
import { ValidationError } from '@baton/shared'
import { lazyAction } from '../lazy-action.js'
import { intOption, timeOption } from '../options.js'

function attemptOption(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new ValidationError([{ path: '--attempt', reason: `must be a positive integer, got "${value}"` }])
  return n
}

/** `logs`, `alerts` and `dead-letters`: what happened, without SQL. */
export function registerObserveCommands(program: Command): void {
  program
    .command('logs')
    .description("print a run's task logs (ctx.log lines and shell stdout/stderr), in the order they were stored")
    .argument('<runId>', 'run id')
    .argument('[task]', 'only this task')
    .option('--attempt <n>', 'only this attempt of TASK', attemptOption)
    .option('-f, --follow', 'keep printing new lines until the run has finished (or Ctrl-C)')
    .option('--json', 'print each record as a JSON object (with runId, taskId and attempt)')
    .action(lazyAction(async () => (await import('../actions/logs.js')).logs))

  program
    .command('alerts')
    .description('alerts raised for owners: cause, owner, each channel with its delivery status and attempts, resolved or not')
    .option('--open', 'only alerts still firing')
    .option('--workflow <name>', 'only this workflow')
    .option('--since <time>', 'raised or repeated at or after (2026-06-01, 2026-06-01T06:00Z, or 24h ago)', timeOption('--since'))
    .option('--limit <n>', 'how many', intOption('--limit', 1, 10_000), 100)
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/observe.js')).alerts))

  program
    .command('dead-letters')
    .description('messages the coordinator refused (malformed, invalid, unknown workflow…): subject, reason, when')
    .option('--since <time>', 'received at or after (same forms as alerts --since)', timeOption('--since'))
    .option('--limit <n>', 'how many', intOption('--limit', 1, 10_000), 100)
    .option('--json', 'print JSON (with the message payload)')
    .action(lazyAction(async () => (await import('../actions/observe.js')).deadLetters))
}
