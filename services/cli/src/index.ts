/**
 * @baton/cli — the `baton` command (bin/baton.js runs its bundle, built by scripts/build-cli.mjs).
 * Also exports the run formatting and watching helpers the examples use.
 */
export { formatRun, formatRuns } from './format.js'
export { watchRun } from './watch-run.js'
export { parseParams } from './params-args.js'
export { buildProgram, CLI_VERSION } from './program.js'
