import { BatonError, unreachableService, UnavailableError, ValidationError, withoutPassword } from '@baton/shared'
import { ApiError } from './api-error.js'

/** Exit codes of the CLI. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const

/**
 * Reports whatever a command threw as `error:` lines on stderr and returns the exit code: 2 for
 * a user mistake (every problem of a ValidationError on its own line), 3 when NATS or Postgres is
 * unavailable (one line naming which, never a password), an API error answer's own code
 * (api-error.ts), 1 otherwise. Never a stack trace unless
 * BATON_DEBUG is set. Never throws.
 */
export function reportFailure(e: unknown): number {
  try {
    if (isCommanderError(e)) return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    if (e instanceof ValidationError) {
      for (const i of e.issues) process.stderr.write(`error: ${i.path ? `${i.path}: ` : ''}${i.reason}\n`)
      return ExitCode.usage
    }
    // An error answer of the HTTP API (CLI through the API): its status and code, its own exit code.
    if (e instanceof ApiError) {
      process.stderr.write(`error: ${oneLine(e.message)}\n`)
      debugStack(e)
      return e.exitCode
    }
    const message = describeError(e)
    // An UnavailableError names what it could not reach; a raw pg or nats.js failure is named here.
    const service = e instanceof UnavailableError ? undefined : unreachableService(e)
    if (e instanceof UnavailableError || service) {
      const named = service === undefined || message.includes(service) ? message : `cannot reach ${service}: ${message}`
      process.stderr.write(`error: ${oneLine(withoutPassword(clarifyNatsMessage(named)))}\n`)
      debugStack(e)
      return ExitCode.unavailable
    }
    process.stderr.write(`error: ${withoutPassword(message)}\n`)
    debugStack(e)
    return e instanceof BatonError ? ExitCode.usage : ExitCode.failed
  } catch {
    return ExitCode.failed
  }
}

/** nats.js' words for a server that accepted the connection and closed it without a word, made plain. */
export function clarifyNatsMessage(message: string): string {
  return message.replace('error connecting - node provided an undefined error', 'the server closed the connection before speaking the NATS protocol')
}

/**
 * A failure's message for one line: an AggregateError (a host name with several addresses, all
 * refused) has an empty message of its own, so its parts are used; then the code or the name.
 */
export function describeError(e: unknown): string {
  if (e instanceof AggregateError && !e.message) {
    const parts = [...new Set(e.errors.map((x) => describeError(x)))].filter(Boolean)
    if (parts.length > 0) return parts.join('; ')
  }
  const err = e as { message?: unknown; code?: unknown; name?: unknown } | null | undefined
  if (typeof err?.message === 'string' && err.message) return err.message
  if (typeof err?.code === 'string') return err.code
  if (typeof err?.name === 'string' && err.name !== 'Error') return err.name
  return e instanceof Error ? 'unknown error' : String(e)
}

/** Commander's own errors (help shown, unknown option…), told without loading commander in every bundle. */
function isCommanderError(e: unknown): e is { exitCode: number; code: string } {
  const x = e as { exitCode?: unknown; code?: unknown } | null
  return typeof x?.exitCode === 'number' && typeof x.code === 'string' && x.code.startsWith('commander.')
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim()
}

function debugStack(e: unknown): void {
  if (process.env.BATON_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`)
}
