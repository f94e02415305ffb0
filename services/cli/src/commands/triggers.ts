import type { Command } from 'commander'
import { lazyAction } from '../lazy-action.js'
import { choiceOption, collect, intOption } from '../options.js'

/** `emit source`, `readiness`, `status` and `backfill` (+ `backfill status`, `backfill cancel`). */
export function registerTriggerCommands(program: Command): void {
  const emit = program.command('emit').description('publish an event')
  emit
    .command('source')
    .description('announce that a source (table, file, prefix) has landed for a partition')
    .argument('<source>', 'source name')
    .option('--partition <partition>', 'the partition that landed (e.g. 2026-06-01)')
    .option('--uri <uri>', 'where it landed')
    .option('--id <id>', 'event id (de-duplication key); default: a new id')
    .option('--meta <key=value>', 'metadata (repeatable)', collect, [])
    .action(lazyAction(async () => (await import('../actions/triggers.js')).emitSource))

  program
    .command('status')
    .description("is today's data complete, partial, stale or failed? per workflow, with what is missing")
    .argument('[workflow]', 'only this workflow')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/triggers.js')).status))

  program
    .command('readiness')
    .description("why hasn't this run started? the sources landed and missing per partition")
    .argument('<workflow>', 'a workflow with `when.sourcesLanded`')
    .option('--partition <partition>', 'only this partition')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/triggers.js')).readiness))

  program
    .command('backfill')
    .description('run a workflow once per partition in a range: `backfill W --from P1 --to P2`, `backfill status ID`, `backfill cancel ID`')
    .argument('<workflow-or-verb>', 'workflow name, or `status` / `cancel`')
    .argument('[id]', 'backfill id (for status and cancel)')
    .option('--from <partition>', 'first partition (inclusive)')
    .option('--to <partition>', 'last partition (inclusive)')
    .option('--concurrency <n>', 'runs at once (1 to 1000)', intOption('--concurrency', 1, 1000), 4)
    .option('--rerun <which>', 'missing (default): only partitions never done; failed: also failed ones; all: every partition', choiceOption('--rerun', ['missing', 'failed', 'all'] as const), 'missing')
    .option('--param <key=value>', 'a run param for every run (repeatable)', collect, [])
    .option('--detach', 'create the backfill and return without watching it')
    .option('--json', 'print JSON (status)')
    .option('--reason <text>', 'why (cancel)', 'cancelled from the CLI')
    .action(lazyAction(async () => (await import('../actions/triggers.js')).backfill))
}
