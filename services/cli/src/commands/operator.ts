import type { Command } from 'commander'
import { RunStatus } from '@baton/shared'
import { lazyAction } from '../lazy-action.js'
import { choiceOption, intOption, timeOption } from '../options.js'

/** `--status` of the bulk forms: repeatable, each a run status. */
function statusList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), choiceOption('--status', Object.values(RunStatus))(value)]
}

/** The filter flags of `retry` and `cancel` without a run id (the bulk forms). */
function bulkFlags(command: Command, verb: string): Command {
  return command
    .option('--workflow <name>', `bulk: ${verb} the runs of this workflow`)
    .option('--status <status>', `bulk: only runs in this status (repeatable: ${Object.values(RunStatus).join(', ')})`, statusList)
    .option('--partition <partition>', 'bulk: only runs for this partition')
    .option('--owner <owner>', 'bulk: only runs of workflows with this owner')
    .option('--since <time>', 'bulk: created at or after (2026-06-01, 2026-06-01T06:00Z, or 24h ago)', timeOption('--since'))
    .option('--until <time>', 'bulk: created before (same forms as --since)', timeOption('--until'))
    .option('--limit <n>', 'bulk: at most this many runs, newest first (the rest: run it again)', intOption('--limit', 1, 1000), 100)
    .option('--dry-run', 'bulk: list the runs it would act on, send nothing')
}

/**
 * The operator actions (docs/operations.md, "Operator actions"): `cancel`, `retry`, `clear`,
 * `mark`, `approve`, `reject`, `pause`, `unpause`. Each is one event through the coordinators
 * (through the HTTP API when BATON_API_URL and BATON_TOKEN are set); each prints one line per
 * outcome: applied, pending (no coordinator applied it yet) or ignored with the reason (exit 1).
 */
export function registerOperatorCommands(program: Command): void {
  bulkFlags(
    program
      .command('cancel')
      .description('cancel a run: pending tasks are cancelled, running ones told to abort; without RUN_ID, every run a filter matches (--workflow …, --dry-run first)')
      .argument('[runId]', 'run id')
      .option('--reason <text>', 'why', 'cancelled from the CLI'),
    'cancel',
  ).action(lazyAction(async () => (await import('../actions/operator.js')).cancel))

  bulkFlags(
    program
      .command('retry')
      .description('retry a failed or cancelled run from failure: failed, upstream_failed and cancelled tasks (and what they feed) run again, succeeded ones keep their outputs; without RUN_ID, every run a filter matches')
      .argument('[runId]', 'run id')
      .option('--reason <text>', 'why (recorded in the run history and the audit log)')
      .option('--to-latest', "move the run to its workflow's current version first (refused, naming the tasks, when they are not compatible)"),
    'retry',
  ).action(lazyAction(async () => (await import('../actions/operator.js')).retry))

  program
    .command('clear')
    .description('clear a task so it runs again (with --downstream: and everything it feeds; --upstream: and everything it needs); a finished run is reopened')
    .argument('<runId>', 'run id')
    .argument('<task>', 'task id')
    .option('--downstream', 'also clear every task downstream of it')
    .option('--upstream', 'also clear every task upstream of it')
    .option('--reason <text>', 'why')
    .action(lazyAction(async () => (await import('../actions/operator.js')).clear))

  program
    .command('mark')
    .description('mark a task succeeded or failed by hand, with a reason; its downstream then proceeds or fails closed')
    .argument('<runId>', 'run id')
    .argument('<task>', 'task id')
    .argument('<status>', 'succeeded or failed', choiceOption('STATUS', ['succeeded', 'failed'] as const))
    .requiredOption('--reason <text>', 'why (required: recorded in the run history and the audit log)')
    .action(lazyAction(async () => (await import('../actions/operator.js')).mark))

  program
    .command('approve')
    .description('approve a waiting approval task: it succeeds and its downstream proceeds')
    .argument('<runId>', 'run id')
    .argument('<task>', 'the approval task')
    .option('--reason <text>', 'why (recorded with the decision)')
    .action(lazyAction(async () => (await import('../actions/operator.js')).approve))

  program
    .command('reject')
    .description('reject a waiting approval task: it fails (not retried) and its downstream fails closed')
    .argument('<runId>', 'run id')
    .argument('<task>', 'the approval task')
    .option('--reason <text>', 'why (recorded with the decision)')
    .action(lazyAction(async () => (await import('../actions/operator.js')).reject))

  program
    .command('pause')
    .description('pause a workflow: its cron ticks and landed partitions are recorded but start no run until unpaused (manual runs and backfills still run)')
    .argument('<workflow>', 'workflow name')
    .option('--reason <text>', 'why')
    .action(lazyAction(async () => (await import('../actions/operator.js')).pause))

  program
    .command('unpause')
    .description('unpause a workflow: the ticks and partitions held while paused run as its catch-up policy says')
    .argument('<workflow>', 'workflow name')
    .action(lazyAction(async () => (await import('../actions/operator.js')).unpause))
}
