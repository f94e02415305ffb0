/**
 * Which server a failure says cannot be used now, told by the shape of the error or of one of its
 * causes — one place for every process that reports such failures (the CLI's one error line, the
 * API's 503). Postgres SQLSTATE classes and socket codes, and nats.js error names.
 */

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

