import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { AuditResult, createApiToken, getApiToken, listApiTokens, listAudit, NotFoundError, parseDuration, revokeApiToken, ValidationError, type ApiTokenRecord, type AuditRecord } from '@baton/shared'
import { bearer, errorResponses, GrantSchema, Instant, Json, Label, limitQuery, TimeQuery } from '../schemas/common.js'
import type { RouteDeps, ZodApp } from './route-deps.js'

/**
 * API tokens and the audit log (docs/access-control.md), for admins: `GET /tokens`, `POST
 * /tokens` (the secret in the answer, once), `DELETE /tokens/{idOrName}`, `GET /audit`. Reads are
 * audited too (`auditReads`). The audit line of `POST /tokens` holds the request (name, grant,
 * expiry), never the secret: the secret exists only in the answer.
 */

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString())

const TokenSchema = z
  .object({
    id: z.string().describe('Public id: the part of the secret after `baton_`'),
    name: z.string(),
    grants: z.array(GrantSchema),
    createdBy: z.string().nullable(),
    createdAt: Instant,
    expiresAt: Instant.nullable(),
    revokedAt: Instant.nullable(),
    revokedBy: z.string().nullable(),
    lastUsedAt: Instant.nullable(),
  })
  .meta({ id: 'ApiToken' })

const AuditLineSchema = z
  .object({
    id: z.string().describe('Cursor: pass the last id of a page as `before` for the next one'),
    at: Instant,
    actor: z.string(),
    role: z.string().nullable(),
    action: z.string(),
    resource: z.string().nullable(),
    params: Json.describe('The request’s parameters, secrets redacted'),
    result: z.enum(Object.values(AuditResult) as [AuditResult, ...AuditResult[]]),
    status: z.number().int().nullable(),
    reason: z.string().nullable(),
    clientAddress: z.string().nullable(),
  })
  .meta({ id: 'AuditLine' })

/** A token as the API shows it (never a secret or hash). */
function tokenView(t: ApiTokenRecord) {
  return { ...t, createdAt: t.createdAt.toISOString(), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt), lastUsedAt: iso(t.lastUsedAt) }
}

function auditView(r: AuditRecord) {
  return { ...r, at: r.at.toISOString() }
}

/** Registers the token and audit routes. */
export function accessRoutes(app: ZodApp, deps: RouteDeps): void {
  const { db } = deps

  app.get('/tokens', {
    config: { permission: 'tokens', scope: 'global', auditReads: true, audit: 'token.list' },
    schema: {
      tags: ['access'],
      summary: 'Every API token, revoked and expired ones too, newest first (never a secret)',
      security: bearer,
      response: { 200: z.object({ items: z.array(TokenSchema) }), ...errorResponses },
    },
    handler: async () => ({ items: (await listApiTokens(db)).map(tokenView) }),
  })

  app.post('/tokens', {
    config: { permission: 'tokens', scope: 'global', audit: 'token.create' },
    schema: {
      tags: ['access'],
      summary: 'Create an API token with one role, optionally scoped to workflows by name glob or owner; the answer holds its secret, shown only this once',
      security: bearer,
      body: z
        .strictObject({
          name: z.string().min(1).max(100).optional().describe('Unique; default `<role>-<random>`'),
          role: z.enum(['viewer', 'operator', 'approver', 'admin']),
          workflows: z.string().min(1).max(200).optional().describe('Only workflows whose name matches this glob (`*`, `?`)'),
          owner: Label.optional().describe('Only workflows with this owner'),
          expiresAt: z.iso.datetime({ offset: true }).optional().describe('When it stops working (absent with expiresIn: never)'),
          expiresIn: z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'must be a duration such as 30d or 12h').optional().describe('How long from now it works, e.g. 30d'),
        })
        .refine((b) => b.expiresAt === undefined || b.expiresIn === undefined, { message: 'give expiresAt or expiresIn, not both', path: ['expiresIn'] }),
      response: { 201: z.object({ token: TokenSchema, secret: z.string().describe('The bearer credential: shown only in this answer, stored only as a hash') }), ...errorResponses },
    },
    handler: async (request, reply) => {
      const b = request.body
      const name = b.name ?? `${b.role}-${randomBytes(3).toString('hex')}`
      request.access = { ...request.access!, resource: `token:${name}` }
      const expiresAt = b.expiresAt !== undefined ? new Date(b.expiresAt) : b.expiresIn !== undefined ? new Date(Date.now() + parseDuration(b.expiresIn, 'expiresIn')) : null
      const grant = { role: b.role, ...(b.workflows !== undefined ? { workflows: b.workflows } : {}), ...(b.owner !== undefined ? { owner: b.owner } : {}) }
      let created
      try {
        created = await createApiToken(db, { name, grants: [grant], expiresAt, createdBy: request.access.principal.id })
      } catch (e) {
        // `grants[0].role` → `body.role`: the field as the request named it.
        if (e instanceof ValidationError) throw new ValidationError(e.issues.map((i) => ({ path: `body.${i.path.replace(/^grants\[0\]\.?/, '') || 'workflows'}`, reason: i.reason })))
        throw e
      }
      reply.code(201)
      return { token: tokenView(created.token), secret: created.secret }
    },
  })

  app.delete('/tokens/:idOrName', {
    config: { permission: 'tokens', scope: 'global', audit: 'token.revoke' },
    schema: {
      tags: ['access'],
      summary: 'Revoke a token at once (idempotent: a revoked token keeps its first revocation)',
      security: bearer,
      params: z.strictObject({ idOrName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,99}$/, 'must be a token id or name') }),
      response: { 200: z.object({ token: TokenSchema, alreadyRevoked: z.boolean() }), ...errorResponses },
    },
    handler: async (request) => {
      const { idOrName } = request.params
      request.access = { ...request.access!, resource: `token:${idOrName}` }
      const before = await getApiToken(db, idOrName)
      if (!before) throw new NotFoundError('token', idOrName)
      const token = (await revokeApiToken(db, before.id, request.access.principal.id))!
      request.access = { ...request.access, resource: `token:${token.name}` }
      return { token: tokenView(token), alreadyRevoked: before.revokedAt !== null }
    },
  })

  app.get('/audit', {
    config: { permission: 'audit', scope: 'global', auditReads: true, audit: 'audit.read' },
    schema: {
      tags: ['access'],
      summary: 'The audit log, newest first: every action, every denied or unauthenticated attempt, token changes and admin reads',
      security: bearer,
      querystring: z.strictObject({
        actor: Label.optional().describe('token:<name>, oidc:<subject>, cli:<user> or anonymous'),
        action: Label.optional().describe('e.g. run.retry, token.create'),
        result: z.enum(Object.values(AuditResult) as [AuditResult, ...AuditResult[]]).optional(),
        since: TimeQuery.optional().describe('At or after'),
        until: TimeQuery.optional().describe('Before'),
        before: z.string().regex(/^[1-9][0-9]{0,14}$/, 'must be an audit id from a previous page').optional().describe('Only lines older than this id'),
        limit: limitQuery(1000, 100),
      }),
      response: { 200: z.object({ items: z.array(AuditLineSchema), nextCursor: z.string().nullable().describe('Pass as `before` for the next page; null on the last') }), ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query
      const rows = await listAudit(db, {
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.result !== undefined ? { result: q.result } : {}),
        ...(q.since ? { since: q.since } : {}),
        ...(q.until ? { until: q.until } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit: q.limit,
      })
      return { items: rows.map(auditView), nextCursor: rows.length === q.limit ? rows.at(-1)!.id : null }
    },
  })
}
