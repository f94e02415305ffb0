import type { Command } from 'commander'
import { lazyAction } from '../lazy-action.js'
import { collect, intOption } from '../options.js'

/** `pools list|set|delete`: named slot budgets shared by every workflow. */
export function registerPoolCommands(program: Command): void {
  const pools = program.command('pools').description('pools: named slot budgets tasks share across workflows (`pools list`, `pools set`, `pools delete`)')
  pools
    .command('list')
    .description('every pool: size, slots held now, attempts waiting, fair share and weights')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/pools.js')).poolsList))
  pools
    .command('set')
    .description("create or resize a pool; refused when a deployed task asks for more slots than the new size")
    .argument('<name>', 'pool name (a letter, then letters, digits, _ or -)')
    .requiredOption('--slots <n>', 'slots in the pool (1 to 10000)', intOption('--slots', 1, 10_000))
    .option('--fair-share', 'split a full pool between owners by weight (default: by priority, then age)')
    .option('--weight <owner=n>', 'an owner\'s weight under fair share (repeatable; default 1)', collect, [])
    .option('--description <text>', 'what the pool protects')
    .action(lazyAction(async () => (await import('../actions/pools.js')).poolsSet))
  pools
    .command('delete')
    .description('delete a pool no deployed task names and no attempt holds or waits for')
    .argument('<name>', 'pool name')
    .option('--if-exists', 'a pool that does not exist is not an error (for scripts)')
    .action(lazyAction(async () => (await import('../actions/pools.js')).poolsDelete))
}
