import { BatonError, UnavailableError, ValidationError, withoutPassword } from '@baton/shared'

/** Exit codes of the CLI. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const

/**
 * Reports whatever a command threw as `error:` lines on stderr and returns the exit code: 2 for
 * a user mistake (every problem of a ValidationError on its own line), 3 when NATS or Postgres is
 * unavailable (one line naming which, never a password), 1 otherwise. Never a stack trace unless
 * BATON_DEBUG is set. Never throws.
 */
export function reportFailure(e: unknown): number {
  try {
    if (isCommanderError(e)) return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    if (e instanceof ValidationError) {
      for (const i of e.issues) process.stderr.write(`error: ${i.path ? `${i.path}: ` : ''}${i.reason}\n`)
      return ExitCode.usage
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

/** SQLSTATE classes and codes that mean Postgres cannot be used now: connection exception, invalid authorization, no such database, insufficient resources, shutting down. */
const POSTGRES_UNAVAILABLE = /^(08|28|3D|53)|^57P0[1-3]$/
/** Socket error codes (pg surfaces them as they are; nats.js wraps its own). */
const SOCKET_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']
/** Messages of pg's own connection failures (they carry no code). */
const POSTGRES_MESSAGES = /connection terminated|connection timeout|timeout expired|connection error|terminating connection|server closed the connection unexpectedly|the database system is/i
/** Error names of nats.js failures that mean the server cannot be used now. */
const NATS_NAMES = new Set(['ConnectionError', 'ClosedConnectionError', 'DrainingConnectionError', 'TimeoutError', 'NoResponders', 'RequestError', 'JetStreamNotEnabled', 'ProtocolError'])

/**
 * Which server a failure says cannot be reached, told by the shape of the error or of one of its
 * causes: pg's errors (SQLSTATE, socket codes, its connection messages) and nats.js' (error
 * names). Undefined for every other failure.
 */
export function unreachableService(e: unknown): 'Postgres' | 'NATS' | undefined {
  const chain: { name?: unknown; code?: unknown; message?: unknown }[] = []
  for (let cur: unknown = e; cur && typeof cur === 'object' && chain.length < 6; cur = (cur as { cause?: unknown }).cause) chain.push(cur as never)
  // nats.js wraps socket errors (ECONNRESET…) as their cause: anything NATS in the chain decides first.
  for (const { name, code, message } of chain) {
    if (typeof name === 'string' && NATS_NAMES.has(name)) return 'NATS'
    if (typeof code === 'string' && /^(CONNECTION_REFUSED|CONNECTION_CLOSED|CONNECTION_TIMEOUT|CONNECTION_DRAINING|DISCONNECT)$/.test(code)) return 'NATS'
    if (typeof message === 'string' && message.startsWith('error connecting')) return 'NATS'
  }
  for (const { code, message } of chain) {
    if (typeof code === 'string' && code.length === 5 && POSTGRES_UNAVAILABLE.test(code)) return 'Postgres'
    if (typeof code === 'string' && SOCKET_CODES.includes(code)) return 'Postgres'
    if (typeof message === 'string' && POSTGRES_MESSAGES.test(message)) return 'Postgres'
  }
  return undefined
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
