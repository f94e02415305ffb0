import createFetchClient, { type Middleware } from 'openapi-fetch'
import createQueryHooks from 'openapi-react-query'
import type { ApiComponents, ApiPaths } from '@baton/shared'
import { currentToken, signOut } from '../auth/session'

/** Schemas of the API's answers, by name (`Schemas['RunDetails']`). */
export type Schemas = ApiComponents['schemas']

/** The API's error answer: `{ error: { code, message, details } }`, as an Error the UI can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Every request carries the session's token; a 401 ends the session (back to sign-in). */
const withToken: Middleware = {
  onRequest({ request }) {
    const token = currentToken()
    if (token) request.headers.set('authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ response }) {
    if (response.status === 401 && currentToken()) signOut('Your session ended (the API refused the token). Sign in again.')
    return response
  },
}

/**
 * The typed client of the API on this origin (paths and bodies from the OpenAPI document, through
 * @baton/shared's generated ApiPaths): `api.GET('/runs/{id}', { params: { path: { id } } })`.
 */
export const api = createFetchClient<ApiPaths>({ baseUrl: window.location.origin })
api.use(withToken)

/** React Query hooks over the same client: `$api.useQuery('get', '/workflows')`. */
export const $api = createQueryHooks(api)

/** An openapi-fetch answer's error as an ApiError (its data otherwise). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) throw toApiError(result.error, result.response)
  return result.data
}

/**
 * The status an error code stands for: React Query hands a failed read's error body over without
 * its response, and the advice shown (ask for a grant, check the link, wait) depends on it.
 */
const STATUS_OF_CODE: Record<string, number> = { VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, RATE_LIMITED: 429, INTERNAL: 500, UNAVAILABLE: 503 }

/** Any failure of a call as an ApiError with a message a person can act on. */
export function toApiError(error: unknown, response?: Response): ApiError {
  if (error instanceof ApiError) return error
  const e = (error as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error
  if (e?.message) return new ApiError(response?.status ?? STATUS_OF_CODE[e.code ?? ''] ?? 0, e.code ?? 'ERROR', e.message, e.details)
  if (error instanceof Error) return new ApiError(0, 'UNREACHABLE', `Cannot reach the Baton API: ${error.message}`)
  return new ApiError(response?.status ?? 0, 'ERROR', `The API answered ${response?.status ?? '?'} ${response?.statusText ?? ''}`.trim())
}
