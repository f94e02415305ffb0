import { z } from 'zod'
import { loadConfig, ValidationError, type BatonConfig } from '@baton/shared'
import { oidcConfigFromEnv, type OidcConfig } from './auth/oidc.js'

/** Largest request body the API reads (a bigger one is refused with 413 before it is parsed). */
export const API_BODY_LIMIT_BYTES = 1024 * 1024

/**
 * The API's settings, read once at start-up from the environment into a frozen object; nothing
 * else in the API reads `process.env`. `baton` holds the settings every Baton process shares
 * (Postgres, NATS, namespace, log level, `BATON_TRACE_URL`).
 */
export interface ApiConfig {
  readonly baton: BatonConfig
  /** `BATON_API_PORT` (default 8080; 0 picks a free port). */
  readonly port: number
  /** `BATON_API_HOST` (default 127.0.0.1; a pod needs 0.0.0.0). */
  readonly host: string
  /**
   * `BATON_API_CORS_ORIGINS`: browser origins allowed to call the API, comma separated
   * (`https://ui.example.com,https://other.example.com`, or `*`). Unset: no CORS headers at all.
   */
  readonly corsOrigins?: readonly string[]
  /**
   * `BATON_API_TRUST_PROXY`: how many proxies in front of the API to trust for the client address
   * (`X-Forwarded-For`), which the audit log records and the failed-authentication limit keys on.
   * Default 0: the address of the TCP peer.
   */
  readonly trustProxyHops: number
  /** Failed authentications per client address per minute before 429 (`BATON_API_AUTH_FAILURES_PER_MINUTE`, default 20). */
  readonly authFailuresPerMinute: number
  /** Largest request body in bytes (1 MiB). */
  readonly bodyLimitBytes: number
  /** Link to a run's trace with `{traceId}` (`BATON_TRACE_URL`, shared with the CLI). */
  readonly traceUrl?: string
  /** Single sign-on (`BATON_OIDC_*`, docs/access-control.md); absent: API tokens only. */
  readonly oidc?: OidcConfig
  /** `BATON_UI_DIR`: a built web UI to serve instead of the installed one (docs/ui.md). */
  readonly uiDir?: string
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

const ApiEnvSchema = z.object({
  BATON_API_PORT: z.preprocess((v) => (v === '' ? undefined : v), int(0, 65535).default(8080)),
  BATON_API_HOST: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).default('127.0.0.1')),
  BATON_API_CORS_ORIGINS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .optional()
      .transform((v) => v?.split(',').map((o) => o.trim()).filter(Boolean))
      .refine((list) => list === undefined || list.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), 'must be origins such as https://ui.example.com (scheme and host, no path), comma separated, or *'),
  ),
  BATON_API_TRUST_PROXY: z.preprocess((v) => (v === '' ? undefined : v), int(0, 10).default(0)),
  BATON_API_AUTH_FAILURES_PER_MINUTE: z.preprocess((v) => (v === '' ? undefined : v), int(1, 100_000).default(20)),
  BATON_UI_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
})

/**
 * Reads and validates the API's configuration; a bad variable is a ValidationError naming it
 * (code CONFIG_INVALID). `overrides` win over the environment (`baton api --port`, tests).
 */
export function loadApiConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Omit<ApiConfig, 'baton'>> & { baton?: BatonConfig } = {}): ApiConfig {
  const baton = overrides.baton ?? loadConfig(env)
  const parsed = ApiEnvSchema.safeParse(env)
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ path: i.path.join('.'), reason: i.message })), { code: 'CONFIG_INVALID' })
  }
  const c = parsed.data
  const oidc = oidcConfigFromEnv(env)
  return Object.freeze({
    baton,
    port: c.BATON_API_PORT,
    host: c.BATON_API_HOST,
    ...(c.BATON_API_CORS_ORIGINS?.length ? { corsOrigins: Object.freeze(c.BATON_API_CORS_ORIGINS) } : {}),
    trustProxyHops: c.BATON_API_TRUST_PROXY,
    authFailuresPerMinute: c.BATON_API_AUTH_FAILURES_PER_MINUTE,
    bodyLimitBytes: API_BODY_LIMIT_BYTES,
    ...(baton.traceUrl ? { traceUrl: baton.traceUrl } : {}),
    ...(oidc ? { oidc } : {}),
    ...(c.BATON_UI_DIR ? { uiDir: c.BATON_UI_DIR } : {}),
    ...overrides,
  })
}
