import { BatonError, markErrorClass } from '@baton/shared'

/** What a 400 answer says about each field it refused. */
export interface ApiFieldIssue {
  readonly in: string
  readonly path: string
  readonly reason: string
}

/**
 * An error answer of the HTTP API (`{ error: { code, message, details } }`), reported by the CLI as
 * one line, `error: <status> <code>: <message>` — e.g. `error: 403 FORBIDDEN: token 'ci' lacks
 * permission 'retry' on workflow 'daily_revenue' (grants: viewer)`. The exit code follows what the
 * caller should do, as in direct mode: 2 for a request to fix (400, 404, 413), 3 when the API
 * cannot reach its own Postgres or NATS (503), 1 otherwise (401, 403, 409, 429, 5xx). The token is
 * never part of it.
 */
export class ApiError extends BatonError {
  readonly status: number
  readonly apiCode: string
  readonly details: unknown
  readonly exitCode: number
  constructor(status: number, apiCode: string, message: string, details: unknown = null) {
    super(`API_${apiCode}`, `${status} ${apiCode}: ${message}`)
    this.status = status
    this.apiCode = apiCode
    this.details = details
    this.exitCode = status === 400 || status === 404 || status === 413 ? 2 : status === 503 ? 3 : 1
  }

  /** The refused fields of a 400 answer (empty for other answers). */
  get issues(): readonly ApiFieldIssue[] {
    const issues = (this.details as { issues?: unknown } | null)?.issues
    return Array.isArray(issues) ? (issues as ApiFieldIssue[]) : []
  }

  /** The reason of a 409 answer (the coordinator's or the API's words), else the message. */
  get reason(): string {
    const reason = (this.details as { reason?: unknown } | null)?.reason
    return typeof reason === 'string' ? reason : this.message.replace(/^\d+ [A-Z_]+: /, '')
  }
}
markErrorClass(ApiError, 'ApiError')
