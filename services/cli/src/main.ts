import { buildProgram } from './program.js'
import { reportFailure } from './failure-report.js'

// The `baton` entry point (bin/baton.js runs its bundle). Exit codes: 0 ok, 1 the run or command
// failed, 2 a user mistake, 3 NATS or Postgres unavailable.

// A connection that fails outside a command's own await (a socket error, a late rejection) is
// still one error line, never a stack trace.
process.on('unhandledRejection', (e) => process.exit(reportFailure(e)))
process.on('uncaughtException', (e) => process.exit(reportFailure(e)))

try {
  await buildProgram().parseAsync(process.argv)
} catch (e) {
  process.exit(reportFailure(e))
}
