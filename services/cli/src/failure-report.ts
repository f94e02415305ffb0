import { CommanderError } from 'commander'
import { BatonError, UnavailableError, ValidationError } from '@baton/shared'

/** Exit codes of the CLI. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const

/**
 * Reports whatever a command threw as `error:` lines on stderr and returns the exit code: 2 for
 * a user mistake (every problem of a ValidationError on its own line), 3 when NATS or Postgres is
 * unavailable, 1 otherwise. Never a stack trace unless BATON_DEBUG is set.
 */
export function reportFailure(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage
  if (e instanceof ValidationError) {
    for (const i of e.issues) process.stderr.write(`error: ${i.path ? `${i.path}: ` : ''}${i.reason}\n`)
    return ExitCode.usage
  }
  const message = (e as Error)?.message ?? String(e)
  if (e instanceof UnavailableError || isConnectionFailure(e)) {
    process.stderr.write(`error: ${message}\n`)
    debugStack(e)
    return ExitCode.unavailable
  }
  process.stderr.write(`error: ${message}\n`)
  debugStack(e)
  return e instanceof BatonError ? ExitCode.usage : ExitCode.failed
}

/** A network error from pg or nats.js that was not wrapped in an UnavailableError. */
function isConnectionFailure(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P03', 'CONNECTION_REFUSED'].includes(code)
}

function debugStack(e: unknown): void {
  if (process.env.BATON_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`)
}
