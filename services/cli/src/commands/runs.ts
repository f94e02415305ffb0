import type { Command } from 'commander'
import { RunStatus, TaskStatus } from '@baton/shared'
import { lazyAction } from '../lazy-action.js'
import { choiceOption, collect, intOption, timeOption } from '../options.js'

/** `trigger`, `runs`, `run` and `instances` (`cancel` is an operator action: commands/operator.ts). */
export function registerRunCommands(program: Command): void {
  program
    .command('trigger')
    .description('start a run of a workflow (idempotent by --key); prints the run id')
    .argument('<workflow>', 'workflow name')
    .option('--partition <partition>', 'the partition the run covers (e.g. 2026-06-01)')
    .option('--param <key=value>', 'a run param (repeatable); defaults declared in the params schema fill the rest', collect, [])
    .option('--key <key>', 'idempotency key: the same key twice is one run')
    .option('--wait', 'wait for the run to finish, print its progress; exit 0 only if it succeeded')
    .option('--json', 'with --wait, print the final run as JSON')
    .action(lazyAction(async () => (await import('../actions/runs.js')).trigger))

  program
    .command('runs')
    .description('list runs, newest first, with the error of failed ones')
    .option('--workflow <name>', 'only this workflow')
    .option('--status <status>', `only runs in this status (${Object.values(RunStatus).join(', ')})`, choiceOption('--status', Object.values(RunStatus)))
    .option('--partition <partition>', 'only runs for this partition')
    .option('--since <time>', 'created at or after (2026-06-01, 2026-06-01T06:00Z, or 24h ago)', timeOption('--since'))
    .option('--until <time>', 'created before (same forms as --since)', timeOption('--until'))
    .option('--limit <n>', 'how many', intOption('--limit', 1, 10_000), 50)
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/run-views.js')).listRunsCommand))

  program
    .command('run')
    .description('show one run: its tasks, each attempt with its queue wait, duration and backoff, and failed checks with their sample')
    .argument('<runId>', 'run id')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/run-views.js')).showRun))

  program
    .command('instances')
    .description("list a mapped task's instances (TASK[0], TASK[1], …) in index order: status, attempts, duration, element or error, with the counts by status")
    .argument('<runId>', 'run id')
    .argument('<task>', 'the mapped task')
    .option('--status <status>', `only instances in this status (${Object.values(TaskStatus).join(', ')})`, choiceOption('--status', Object.values(TaskStatus)))
    .option('--after <index>', 'only instances after this index (the `more:` line of the previous listing)', intOption('--after', 0))
    .option('--limit <n>', 'how many', intOption('--limit', 1, 100_000), 100)
    .option('--json', 'print JSON: { taskId, total, counts, instances, nextAfter }')
    .action(lazyAction(async () => (await import('../actions/map-instances.js')).instances))
}
