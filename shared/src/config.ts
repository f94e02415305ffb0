// zod/mini: the same validation as zod's classic API, tree-shaken to a few KiB, so that every
// command of the CLI can read its config without loading all of zod (docs/operations.md, CLI start-up).
import * as z from 'zod/mini'
import { ValidationError } from './errors.js'
import { parseCrashPoints } from './crash-points.js'

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
  /** Most bytes of task log records kept per attempt (`BATON_TASK_LOG_MAX_BYTES`); 0 captures none. */
  readonly taskLogMaxBytes: number
  /** Path of the alert routing file (owners → channels); alerts are only recorded without it. */
  readonly alertRoutesPath?: string
  /** Link to a run in alerts, with `{runId}` (e.g. `https://baton.example.com/runs/{runId}`). */
  readonly runUrl?: string
  /** Repeats of a firing cause within this many ms fold into it with a count. */
  readonly alertRepeatWindowMs: number
  /** A queue with work waiting and no worker polling for this many ms raises an alert. */
  readonly queueUnattendedAfterMs: number
  /**
   * Trace export over OTLP/HTTP, present when `OTEL_EXPORTER_OTLP_ENDPOINT` or
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (and neither `OTEL_SDK_DISABLED=true` nor
   * `OTEL_TRACES_EXPORTER=none`); tracing is off without it. The exporter itself reads the
   * endpoint, headers, timeout and `OTEL_BSP_*`/`OTEL_TRACES_SAMPLER*` variables as the SDK does.
   */
  readonly otlpTraces?: { readonly protocol: 'http/protobuf' | 'http/json' }
  /** Link to a run's trace, with `{traceId}` (e.g. `http://jaeger:16686/trace/{traceId}`). */
  readonly traceUrl?: string
  /**
   * Port of the Prometheus `/metrics` endpoint (`BATON_METRICS_PORT`); 0 (the library default)
   * serves none. `baton coordinator` and `baton dev` default it to 9464, `baton worker` to 9465.
   */
  readonly metricsPort: number
  /** Address the metrics endpoint listens on (`BATON_METRICS_HOST`, default 127.0.0.1; pods need 0.0.0.0). */
  readonly metricsHost: string
  /**
   * How long a worker runs an attempt before it publishes `started` (`BATON_STARTED_AFTER_MS`,
   * default 50): a result within that time implies the start, one message fewer per short task.
   * 0 publishes `started`, and waits for JetStream to store it, before the handler runs.
   */
  readonly startedAfterMs: number
  /** `BATON_CRASHPOINTS`: crash points to arm, for durability tests only (shared/src/crash-points.ts). */
  readonly crashPoints?: string
  /**
   * `BATON_STREAM_REPLICAS` (1 to 5): replicas of the namespace's streams, applied when a
   * process creates or updates them (their consumers follow the stream). Unset, a new stream is
   * R1 and an existing one keeps the replicas it has (an operator's `nats stream edit --replicas`).
   */
  readonly streamReplicas?: number
}

const text = z.string().check(z.minLength(1))
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max))

const REPLICAS_RANGE = 'must be a whole number from 1 to 5 (replicas of each stream)'

const ConfigSchema = z.object({
  BATON_NATS_URL: z._default(text, 'nats://127.0.0.1:4222'),
  BATON_DATABASE_URL: z._default(text, 'postgres://postgres@127.0.0.1:5432/baton'),
  BATON_NAMESPACE: z._default(
    z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lowercase letters, digits and _ (start with a letter, at most 40 chars)')),
    'baton',
  ),
  BATON_LOG_LEVEL: z._default(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), 'info'),
  BATON_BACKFILL_MAX_PARTITIONS: z._default(int(1, 100_000), 1000),
  BATON_TASK_LOG_MAX_BYTES: z._default(int(0, 64 * 1024 * 1024), 1024 * 1024),
  BATON_ALERT_ROUTES: z.optional(text),
  BATON_RUN_URL: z.optional(text),
  BATON_ALERT_REPEAT_WINDOW_MS: z._default(int(0), 3_600_000),
  BATON_QUEUE_UNATTENDED_AFTER_MS: z._default(int(1000), 60_000),
  BATON_TRACE_URL: z.optional(z.string().check(z.includes('{traceId}', { message: 'must contain {traceId}' }))),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.optional(z.string()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.optional(z.string()),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.optional(z.string()),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.optional(z.string()),
  // Unset (or empty) stays undefined, so a command can tell "unset" from an explicit 0 (off).
  BATON_METRICS_PORT: z.pipe(
    z.transform((v: unknown) => (v === '' ? undefined : v)),
    z.optional(int(0, 65535)),
  ),
  BATON_METRICS_HOST: z._default(text, '127.0.0.1'),
  OTEL_SDK_DISABLED: z.optional(z.string()),
  OTEL_TRACES_EXPORTER: z.optional(z.string()),
  BATON_STARTED_AFTER_MS: z._default(int(0, 10_000), 50),
  BATON_CRASHPOINTS: z.optional(z.string()),
  // Unset (or empty) leaves the replicas of existing streams alone; see BatonConfig.streamReplicas.
  BATON_STREAM_REPLICAS: z.pipe(
    z.transform((v: unknown) => (v === '' ? undefined : v)),
    z.optional(z.coerce.number({ error: REPLICAS_RANGE }).check(z.int(REPLICAS_RANGE), z.minimum(1, REPLICAS_RANGE), z.maximum(5, REPLICAS_RANGE))),
  ),
})

/**
 * Reads and validates the configuration; a bad variable is a ValidationError naming it.
 * `defaults` stand in for variables the environment leaves unset (a command's own defaults,
 * such as the metrics port of `baton coordinator`); `overrides` win over everything.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<BatonConfig> = {},
  defaults: Partial<Pick<BatonConfig, 'metricsPort'>> = {},
): BatonConfig {
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
    taskLogMaxBytes: c.BATON_TASK_LOG_MAX_BYTES,
    ...(c.BATON_ALERT_ROUTES ? { alertRoutesPath: c.BATON_ALERT_ROUTES } : {}),
    ...(c.BATON_RUN_URL ? { runUrl: c.BATON_RUN_URL } : {}),
    alertRepeatWindowMs: c.BATON_ALERT_REPEAT_WINDOW_MS,
    queueUnattendedAfterMs: c.BATON_QUEUE_UNATTENDED_AFTER_MS,
    ...otlpTraces(c),
    ...(c.BATON_TRACE_URL ? { traceUrl: c.BATON_TRACE_URL } : {}),
    metricsPort: c.BATON_METRICS_PORT ?? defaults.metricsPort ?? 0,
    metricsHost: c.BATON_METRICS_HOST,
    startedAfterMs: c.BATON_STARTED_AFTER_MS,
    ...(c.BATON_CRASHPOINTS ? { crashPoints: checkedCrashPoints(c.BATON_CRASHPOINTS) } : {}),
    ...(c.BATON_STREAM_REPLICAS !== undefined ? { streamReplicas: c.BATON_STREAM_REPLICAS } : {}),
    ...overrides,
  })
}

/** A crash-point spec that names known points; a mistake is a config error naming the variable. */
function checkedCrashPoints(spec: string): string {
  try {
    parseCrashPoints(spec)
  } catch (e) {
    throw new ValidationError([{ path: 'BATON_CRASHPOINTS', reason: (e as Error).message }], { code: 'CONFIG_INVALID' })
  }
  return spec
}

/**
 * Trace export as the environment asks for it (the OTel SDK's own switches included). The
 * protocol is checked only when export is on: OTLP/gRPC is not supported, and sending HTTP to
 * a gRPC port would lose every span silently.
 */
function otlpTraces(c: z.infer<typeof ConfigSchema>): Pick<BatonConfig, 'otlpTraces'> {
  if (c.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return {}
  if (c.OTEL_TRACES_EXPORTER?.split(',').map((e) => e.trim().toLowerCase()).includes('none')) return {}
  if (!c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() && !c.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) return {}
  const [name, value] = c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL]
    : ['OTEL_EXPORTER_OTLP_PROTOCOL', c.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf']
  const protocol = value.trim()
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ValidationError([{ path: name, reason: `must be http/protobuf or http/json (OTLP/gRPC is not supported), got "${value}"` }], { code: 'CONFIG_INVALID' })
  }
  return { otlpTraces: { protocol } }
}
