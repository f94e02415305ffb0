import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { sql } from 'kysely'
import { PREPARE, type Db } from '../db/connect.js'
import { ValidationError, type ValidationIssue } from '../errors.js'

/**
 * API tokens (docs/access-control.md, "Tokens"). A token's secret is
 * `baton_<id>_<43 characters: 32 random bytes, base64url>`: the id is public (listings, audit,
 * revocation) and makes a lookup one primary-key read; only the SHA-256 of the whole secret is
 * stored, compared in constant time. The secret is returned once, by `createApiToken`.
 */

/** The roles a token may grant (the API's `Role`; its unit test checks that both lists agree). */
export const API_ROLES = Object.freeze(['viewer', 'operator', 'approver', 'admin'] as const)

/** One grant of a token: a role, for every workflow or only those matching a name glob or an owner. */
export interface ApiTokenGrant {
  role: string
  workflows?: string
  owner?: string
}

/** A token as listed: never its secret or hash. */
export interface ApiTokenRecord {
  id: string
  name: string
  grants: ApiTokenGrant[]
  createdBy: string | null
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  /** Who revoked it (null while active). */
  revokedBy: string | null
  lastUsedAt: Date | null
}

/** What `createApiToken` needs. */
export interface NewApiToken {
  name: string
  grants: ApiTokenGrant[]
  expiresAt: Date | null
  createdBy: string
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const ID_LENGTH = 12
/** A whole secret: `baton_`, the id, `_`, 43 base64url characters (32 bytes). */
const SECRET = /^baton_([a-z2-7]{12})_[A-Za-z0-9_-]{43}$/
/** Token names: what `token:<name>` shows in the audit log and a CLI argument can carry as is. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,99}$/
/** Workflow name globs: the characters of workflow names plus `*` and `?`. */
const GLOB = /^[A-Za-z0-9_.*?-]{1,200}$/
/** last_used_at is written at most this often per token: a request does no write otherwise. */
const LAST_USED_RESOLUTION = '1 minute'
/** Compared against when the id is unknown, so a miss costs the same hash and comparison as a hit. */
const NO_HASH = Buffer.alloc(32)

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** A short public id: 12 characters of a 32-letter alphabet (60 random bits). */
function newTokenId(): string {
  // 256 is a multiple of 32: every letter is equally likely.
  return [...randomBytes(ID_LENGTH)].map((b) => ID_ALPHABET[b & 31]).join('')
}

/** The problems of a token's grants (roles known, scopes well-formed), each under `grants[i]`. */
export function apiTokenGrantIssues(grants: readonly ApiTokenGrant[], path = 'grants'): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  if (grants.length === 0) issues.push({ path, reason: 'at least one grant is needed' })
  grants.forEach((g, i) => {
    if (!(API_ROLES as readonly string[]).includes(g.role)) issues.push({ path: `${path}[${i}].role`, reason: `unknown role '${g.role}': use one of ${API_ROLES.join(', ')}` })
    if (g.workflows !== undefined && !GLOB.test(g.workflows)) {
      issues.push({ path: `${path}[${i}].workflows`, reason: `'${g.workflows}' is not a workflow name glob (letters, digits, _ . - and the wildcards * and ?)` })
    }
    if (g.owner !== undefined && (g.owner.trim() === '' || g.owner.length > 200)) issues.push({ path: `${path}[${i}].owner`, reason: 'must be a non-empty owner name' })
    if (g.workflows !== undefined && g.owner !== undefined) issues.push({ path: `${path}[${i}]`, reason: 'scope a grant by workflows or by owner, not both' })
  })
  return issues
}

/** Only the grant's own fields, in a stable order (what is stored and returned). */
function cleanGrant(g: ApiTokenGrant): ApiTokenGrant {
  return { role: g.role, ...(g.workflows !== undefined ? { workflows: g.workflows } : {}), ...(g.owner !== undefined ? { owner: g.owner } : {}) }
}

interface TokenRow {
  id: string
  name: string
  grants: unknown
  created_by: string | null
  created_at: Date
  expires_at: Date | null
  revoked_at: Date | null
  revoked_by: string | null
  last_used_at: Date | null
}

const COLUMNS = ['id', 'name', 'grants', 'created_by', 'created_at', 'expires_at', 'revoked_at', 'revoked_by', 'last_used_at'] as const

function toRecord(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    name: r.name,
    grants: (Array.isArray(r.grants) ? (r.grants as ApiTokenGrant[]) : []).map(cleanGrant),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
    revokedBy: r.revoked_by,
    lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at),
  }
}

/**
 * Creates a token and returns it with its secret — the only time the secret exists outside the
 * caller's hands. A name already used (even by a revoked token) is a ValidationError on `name`.
 */
export async function createApiToken(db: Db, input: NewApiToken): Promise<{ token: ApiTokenRecord; secret: string }> {
  const issues: ValidationIssue[] = []
  if (!NAME.test(input.name)) issues.push({ path: 'name', reason: `'${input.name}' is not a token name: 1 to 100 letters, digits and . _ @ : -, starting with a letter or digit` })
  issues.push(...apiTokenGrantIssues(input.grants))
  if (input.expiresAt !== null && !(input.expiresAt.getTime() > Date.now())) issues.push({ path: 'expiresAt', reason: 'must be in the future' })
  if (issues.length > 0) throw new ValidationError(issues)
  const id = newTokenId()
  const secret = `baton_${id}_${randomBytes(32).toString('base64url')}`
  const row = await db
    .insertInto('api_tokens')
    .values({
      id,
      name: input.name,
      token_hash: sha256(secret),
      grants: JSON.stringify(input.grants.map(cleanGrant)),
      created_by: input.createdBy,
      expires_at: input.expiresAt,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst()
  if (!row) throw new ValidationError([{ path: 'name', reason: `a token named '${input.name}' already exists (names stay taken after revocation)` }])
  return { token: toRecord(row), secret }
}

/**
 * The active token a secret belongs to, or null: a malformed secret, an unknown id, a hash that
 * differs, a revoked or an expired token. Expiry is judged by the database clock, as revocation
 * is written by it. Records the use (`last_used_at`) at most once a minute per token.
 */
export async function findApiToken(db: Db, secret: string): Promise<ApiTokenRecord | null> {
  const id = SECRET.exec(secret)?.[1]
  if (id === undefined) return null
  const row = (
    await sql<TokenRow & { token_hash: Buffer; active: boolean; stale: boolean }>`${sql.raw(PREPARE)}
      SELECT id, name, token_hash, grants, created_by, created_at, expires_at, revoked_at, revoked_by, last_used_at,
             revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AS active,
             last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_RESOLUTION}::interval AS stale
      FROM api_tokens WHERE id = ${id}`.execute(db)
  ).rows[0]
  const stored = row?.token_hash.length === 32 ? row.token_hash : NO_HASH
  const matches = timingSafeEqual(stored, sha256(secret)) && row !== undefined
  if (!row || !matches || !row.active) return null
  if (row.stale) {
    const touched = await sql<{ last_used_at: Date }>`${sql.raw(PREPARE)}
      UPDATE api_tokens SET last_used_at = now()
      WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_RESOLUTION}::interval)
      RETURNING last_used_at`.execute(db)
    if (touched.rows[0]) row.last_used_at = touched.rows[0].last_used_at
  }
  return toRecord(row)
}

/** One token by id or name (an id wins over a name that happens to equal it), or null. */
export async function getApiToken(db: Db, idOrName: string): Promise<ApiTokenRecord | null> {
  const row = await db
    .selectFrom('api_tokens')
    .select(COLUMNS)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .orderBy(sql`id = ${idOrName}`, 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? toRecord(row) : null
}

/** Every token, revoked and expired ones too, newest first; never a secret or hash. */
export async function listApiTokens(db: Db): Promise<ApiTokenRecord[]> {
  const rows = await db.selectFrom('api_tokens').select(COLUMNS).orderBy('created_at', 'desc').orderBy('id').execute()
  return rows.map(toRecord)
}

/**
 * Revokes a token by id or name and returns it (null when there is none). Idempotent: a token
 * already revoked keeps its first revocation's time and author.
 */
export async function revokeApiToken(db: Db, idOrName: string, by: string): Promise<ApiTokenRecord | null> {
  const target = await getApiToken(db, idOrName)
  if (!target) return null
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())`, revoked_by: sql<string>`CASE WHEN revoked_at IS NULL THEN ${by} ELSE revoked_by END` })
    .where('id', '=', target.id)
    .returning(COLUMNS)
    .executeTakeFirst()
  return row ? toRecord(row) : null
}
