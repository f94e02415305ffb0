import { buildProgram } from './program.js'
import { reportFailure } from './failure-report.js'

// The `baton` entry point (bin/baton.js runs its bundle). Exit codes: 0 ok, 1 the run or command
// failed, 2 a user mistake, 3 NATS or Postgres unavailable.

/**
 * Once a command has finished, how long what it left open (a connection attempt to a server that
 * never answers, still inside its client's own timeout) may keep the process alive.
 */
const LINGER_AFTER_COMMAND_MS = 1000

// A connection that fails outside a command's own await (a socket error emitted as an event, a
// late rejection) is still one error line, never a stack trace; the first failure decides.
let failed = false
const fail = (e: unknown): void => {
  if (failed) return
  failed = true
  process.exit(reportFailure(e))
}
process.on('unhandledRejection', fail)
process.on('uncaughtException', fail)

try {
  await buildProgram().parseAsync(process.argv)
} catch (e) {
  fail(e)
}
setTimeout(() => process.exit(), LINGER_AFTER_COMMAND_MS).unref()
