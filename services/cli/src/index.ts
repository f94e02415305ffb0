/**
 * @baton/cli — the `baton` command (bin/baton.js). Also exports the run formatting and watching
 * helpers the examples use.
 */
export { formatRun, formatRuns } from './format.js'
export { watchRun } from './watch-run.js'
export { parseParams } from './commands/runs.js'
