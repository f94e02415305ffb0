import { pino, type Logger } from 'pino'

/** Baton's structured logger type (pino). */
export type { Logger } from 'pino'

/** Keys whose values never reach a log line. */
const REDACT = ['password', 'token', 'authorization', 'headers.authorization', '*.password', '*.token', '*.secret']

/** Creates the root JSON logger of a process; children add run/task/attempt/trace ids. */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'baton',
      level: options.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  )
}
