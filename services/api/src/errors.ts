import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { BatonError, IllegalTransitionError, markErrorClass, NotFoundError, toError, UnavailableError, unreachableService, ValidationError, type BatonErrorOptions, type Logger } from '@baton/shared'
import { AuthenticationError, PermissionDeniedError } from './auth/errors.js'

/**
 * The API's one error format (docs/api.md, "Errors"): every error answer is
 * `{ "error": { "code", "message", "details" } }` with a stable `code` that clients and tests
 * match on. A stack trace, SQL text or a credential never reaches a client: anything unexpected
 * is `500 INTERNAL` with a fixed message, and logged here with its cause.
 */

/** The body of every error answer. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code: VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, RATE_LIMITED, UNAVAILABLE, INTERNAL, …'),
      message: z.string(),
      details: z.unknown().describe('What the code needs: `issues` (400), `missing` permission (403), `reason` (409), or null.'),
    }),
  })
  .meta({ id: 'Error' })
/** An error answer's body. */
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>

/**
 * The request makes no sense in the resource's current state: retry a running run, approve a
 * task that is not waiting (HTTP 409). `reason` says why, in words for the caller.
 */
export class ConflictError extends BatonError {
  readonly reason: string
  readonly details: Record<string, unknown>
  constructor(reason: string, options: BatonErrorOptions & { details?: Record<string, unknown> } = {}) {
    super('CONFLICT', reason, options)
    this.reason = reason
    this.details = options.details ?? {}
  }
}
markErrorClass(ConflictError, 'ConflictError')

/** One field a request got wrong: where (`in`: params, query, body, headers), which (`path`), why. */
export interface FieldIssue {
  in: string
  path: string
  reason: string
}

const VALIDATION_CONTEXT: Record<string, string> = { querystring: 'query', params: 'params', body: 'body', headers: 'headers' }

/** The fields of a zod validation failure, each named (unknown query keys by their own names). */
function fieldIssues(err: FastifyError): FieldIssue[] {
  const where = VALIDATION_CONTEXT[(err as { validationContext?: string }).validationContext ?? ''] ?? 'request'
  return (err.validation ?? []).flatMap((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.')
    const keys = (v.params as { keys?: unknown }).keys
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((k) => ({ in: where, path: path ? `${path}.${String(k)}` : String(k), reason: 'unknown parameter' }))
    }
    return [{ in: where, path: path || where, reason: v.message ?? 'invalid' }]
  })
}

/** Sends the error body with `status` (the only place an error answer is written). */
function send(reply: FastifyReply, status: number, code: string, message: string, details: unknown = null): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message, details } } satisfies ErrorResponse)
}

/** Fastify's own client errors (body parsing, media type), by code: status and our code. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_REQUEST' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'BAD_REQUEST' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'BAD_REQUEST' },
}

/**
 * The error handler of the whole server: maps each kind of failure to its status and code.
 * Unexpected errors are logged with their cause and answered with a fixed message.
 */
export function apiErrorHandler(log: Logger): (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, request, reply) => {
    const err = toError(error) as FastifyError
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = fieldIssues(err)
      return send(reply, 400, 'VALIDATION_FAILED', issues.map((i) => `${i.in === 'query' || i.in === 'params' ? '' : `${i.in} `}${i.path}: ${i.reason}`).join('; '), { issues })
    }
    if (err instanceof ValidationError) {
      // Raised by a handler or the catalog (a run's params, a partition label): about the body of a change, the query of a read.
      const where = ['GET', 'HEAD'].includes(request.method) ? 'query' : 'body'
      return send(reply, 400, 'VALIDATION_FAILED', err.message, { issues: err.issues.map((i) => ({ in: where, path: i.path, reason: i.reason })) })
    }
    if (err instanceof AuthenticationError) {
      reply.header('www-authenticate', 'Bearer')
      return send(reply, 401, 'UNAUTHENTICATED', err.message)
    }
    if (err instanceof PermissionDeniedError) return send(reply, 403, 'FORBIDDEN', err.message, { missing: err.missing })
    if (err instanceof NotFoundError) return send(reply, 404, 'NOT_FOUND', err.message)
    if (err instanceof ConflictError) return send(reply, 409, 'CONFLICT', err.message, { reason: err.reason, ...err.details })
    if (err instanceof IllegalTransitionError || (err instanceof BatonError && err.code === 'WORKFLOW_ARCHIVED')) return send(reply, 409, 'CONFLICT', err.message, { reason: err.message })
    if (err instanceof BatonError && err.code === 'NOT_FOUND') return send(reply, 404, 'NOT_FOUND', err.message)
    // A raw pg or nats.js failure that means the server cannot be used now is a 503 too, naming it.
    const service = err instanceof UnavailableError ? undefined : unreachableService(err)
    if (err instanceof UnavailableError || service) {
      log.warn({ err, url: request.url }, 'a dependency is unavailable')
      reply.header('retry-after', '5')
      return send(reply, 503, 'UNAVAILABLE', service ? `${service} is unavailable; try again` : 'a dependency (Postgres or NATS) is unavailable; try again', service ? { service } : null)
    }
    const known = err.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined
    if (known) return send(reply, known.status, known.code, err.message)
    if (err.statusCode === 429) return send(reply, 429, 'RATE_LIMITED', err.message)
    if (isResponseSerializationError(err)) {
      log.error({ err, issues: (err.cause as { issues?: unknown } | undefined)?.issues, url: request.url }, 'an API response did not match its schema')
      return send(reply, 500, 'INTERNAL', 'internal error')
    }
    // Other 4xx errors Fastify raises itself (a malformed URL, a bad header) carry a safe message.
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 && err.code?.startsWith('FST_')) {
      return send(reply, err.statusCode, 'BAD_REQUEST', err.message)
    }
    log.error({ err, method: request.method, url: request.url }, 'API request failed')
    return send(reply, 500, 'INTERNAL', 'internal error')
  }
}

/** Answer for a path no route serves. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = (request.url.split('?')[0] ?? '').slice(0, 200)
  return send(reply, 404, 'NOT_FOUND', `no route ${request.method} ${path}`)
}

/** The answer for a request refused by the failed-authentication limit. */
export function sendRateLimited(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))))
  return send(reply, 429, 'RATE_LIMITED', `too many failed authentications from this address; retry in ${Math.max(1, Math.ceil(retryAfterSeconds))} s`)
}
