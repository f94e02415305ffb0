import { z } from 'zod'
import { ValidationError } from './errors.js'

/**
 * Process-wide settings, read once at start-up from the environment into a frozen object.
 * Nothing else in Baton reads `process.env` for these values.
 */
export interface BatonConfig {
  /** NATS server URL(s), comma separated. */
  readonly natsUrl: string
  /** Postgres connection string. The database is created when missing. */
  readonly databaseUrl: string
  /** Prefix of subjects and streams, and the Postgres schema name. */
  readonly namespace: string
  /** pino level. */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'
  /** Most partitions one backfill may span. */
  readonly backfillMaxPartitions: number
}

const ConfigSchema = z.object({
  BATON_NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  BATON_DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/baton'),
  BATON_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lowercase letters, digits and _ (start with a letter, at most 40 chars)')
    .default('baton'),
  BATON_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  BATON_BACKFILL_MAX_PARTITIONS: z.coerce.number().int().min(1).max(100_000).default(1000),
})

/** Reads and validates the configuration; a bad variable is a ValidationError naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<BatonConfig> = {}): BatonConfig {
  const parsed = ConfigSchema.safeParse(env)
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ path: i.path.join('.'), reason: i.message })), { code: 'CONFIG_INVALID' })
  }
  const c = parsed.data
  return Object.freeze({
    natsUrl: c.BATON_NATS_URL,
    databaseUrl: c.BATON_DATABASE_URL,
    namespace: c.BATON_NAMESPACE,
    logLevel: c.BATON_LOG_LEVEL,
    backfillMaxPartitions: c.BATON_BACKFILL_MAX_PARTITIONS,
    ...overrides,
  })
}
