import createClient, { type Client } from 'openapi-fetch'
import { UnavailableError, withoutPassword } from '@baton/shared'
import { ApiError } from './api-error.js'
import type { ApiComponents as components, ApiPaths as paths } from '@baton/shared'
import { describeError } from './failure-report.js'

/** The schemas of the API's answers and requests, by their OpenAPI names (`RunDetails`, …). */
export type ApiSchemas = components['schemas']

/** Where the API is and the credential to use: both set means every command goes through it. */
export interface ApiTarget {
  /** `BATON_API_URL`, without a trailing slash, e.g. `https://baton.example.com`. */
  readonly url: string
  /** `BATON_TOKEN`: an API token (`baton token create`) or an OIDC JWT. Never printed. */
  readonly token: string
}

/**
 * The API to use, when `BATON_API_URL` and `BATON_TOKEN` are both set (docs/operations.md, "CLI
 * through the API"); undefined otherwise: the command talks to Postgres and NATS itself. Read once
 * per command, where its action decides its mode.
 */
export function apiTarget(env: Record<string, string | undefined> = process.env): ApiTarget | undefined {
  const url = env.BATON_API_URL?.trim()
  const token = env.BATON_TOKEN?.trim()
  if (!url || !token) return undefined
  return { url: url.replace(/\/+$/, ''), token }
}

/**
 * Longest a request may take: an action waits up to 30 s on the server for a coordinator
 * (`?wait=`), plus the time to send and answer. A server that never answers fails after this.
 */
export const API_REQUEST_TIMEOUT_MS = 45_000

/** A data-or-error answer of openapi-fetch. */
type Answer<D> = { data?: D; error?: unknown; response: Response }

/**
 * A typed client of Baton's HTTP API (paths and bodies from shared/src/api-types.ts,
 * generated from the API's OpenAPI document), with the CLI's error handling: an error answer is
 * an ApiError, a server that cannot be reached an UnavailableError naming the URL (exit 3).
 */
export class ApiClient {
  readonly target: ApiTarget
  /** openapi-fetch's client: `http.GET('/runs/{id}', { params: { path: { id } } })`. */
  readonly http: Client<paths>

  constructor(target: ApiTarget) {
    this.target = target
    const where = withoutPassword(target.url)
    this.http = createClient<paths>({
      baseUrl: target.url,
      headers: { authorization: `Bearer ${target.token}`, 'user-agent': 'baton-cli' },
      fetch: async (request: Request) => {
        try {
          return await fetch(request, { signal: AbortSignal.timeout(API_REQUEST_TIMEOUT_MS) })
        } catch (e) {
          const err = e as { name?: string; cause?: unknown }
          if (err.name === 'TimeoutError') throw new UnavailableError(`cannot reach the Baton API at ${where}: no answer within ${API_REQUEST_TIMEOUT_MS / 1000}s`, { cause: e })
          throw new UnavailableError(`cannot reach the Baton API at ${where}: ${describeError(err.cause ?? e)}`, { cause: e })
        }
      },
    })
  }

  /**
   * The data of a successful answer and its status; an ApiError for an error answer. Usage:
   * `const { data } = await api.ok(api.http.GET('/runs/{id}', …))`.
   */
  async ok<D>(call: Promise<Answer<D>>): Promise<{ data: D; status: number }> {
    const { data, error, response } = await call
    if (response.ok) return { data: data as D, status: response.status }
    throw apiErrorOf(response.status, error)
  }

  /** Nothing to close: each request is its own (kept for the same shape as CliClient). */
  async close(): Promise<void> {}
}

/** The ApiError of an error answer (the API's error format, or whatever a proxy in front sent). */
function apiErrorOf(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return new ApiError(status, e.code, e.message, e.details ?? null)
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : ''
  return new ApiError(status, status >= 500 ? 'SERVER_ERROR' : 'HTTP_ERROR', text || `the server answered ${status} without a Baton error body (is BATON_API_URL the Baton API?)`)
}
