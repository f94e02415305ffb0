import type { Command } from 'commander'
import { lazyAction } from '../lazy-action.js'
import { intOption } from '../options.js'

/**
 * `coordinator`, `worker`, `api` and `dev`: the only commands that run Baton's services, and so the
 * only place the CLI composes the coordinator, worker and API packages (lint enforces it).
 */
export function registerServiceCommands(program: Command): void {
  program
    .command('coordinator')
    .description('run a coordinator (any number may run on one namespace)')
    .action(lazyAction(async () => (await import('../actions/services.js')).coordinator))

  program
    .command('worker')
    .description('run the stock worker (sh and http runners, plus optional TypeScript/JavaScript handlers) for queues')
    .requiredOption('--queue <queue...>', 'queue(s) to take tasks from')
    .option('--concurrency <n>', 'attempts run at once per queue', intOption('--concurrency', 1), 4)
    .option('--handlers <module>', 'a module exporting `handlers` (or a default object) of task handlers')
    .action(lazyAction(async () => (await import('../actions/services.js')).worker))

  program
    .command('api')
    .description('run the HTTP API (any number may run on one namespace; BATON_API_PORT, default 8080)')
    .option('--port <n>', 'port to listen on (default BATON_API_PORT, else 8080; 0 picks a free one)', intOption('--port', 0, 65535))
    .option('--host <host>', 'address to listen on (default BATON_API_HOST, else 127.0.0.1; 0.0.0.0 in a pod)')
    .action(lazyAction(async () => (await import('../actions/services.js')).api))

  program
    .command('dev')
    .description('local development: deploy PATHs, then run a coordinator, a stock worker for every queue and the HTTP API in one process')
    .argument('[paths...]', 'workflow files or folders to deploy first')
    .option('--handlers <module>', 'a module exporting `handlers` (or a default object) of task handlers')
    .option('--concurrency <n>', 'attempts run at once per queue', intOption('--concurrency', 1), 8)
    .action(lazyAction(async () => (await import('../actions/services.js')).dev))
}
