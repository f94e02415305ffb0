import { randomBytes } from 'node:crypto'
import Table from 'cli-table3'
import {
  apiTokenGrantIssues,
  appendAudit,
  AuditResult,
  createApiToken,
  getApiToken,
  listApiTokens,
  listAudit,
  NotFoundError,
  revokeApiToken,
  toError,
  ValidationError,
  type ApiTokenGrant,
  type ApiTokenRecord,
  type AuditFilter,
  type AuditRecord,
  type Db,
} from '@baton/shared'
import { ApiClient, apiTarget, type ApiSchemas, type ApiTarget } from '../api-client.js'
import { CliClient } from '../client.js'
import { cliActor } from '../cli-actor.js'

// `baton token …` and `baton audit`. In direct-database mode the CLI holds the database
// credentials, so it acts without a role (audit role null); token changes are audited under
// `cli:<OS user>` like the API's own. Through the API (BATON_API_URL and BATON_TOKEN set), the
// API does it and audits it under the caller's token.


const iso = (d: Date | null): string => (d === null ? '-' : d.toISOString().replace(/\.\d{3}Z$/, 'Z'))

function describeGrant(g: ApiTokenGrant): string {
  return [g.role, ...(g.workflows !== undefined ? [`on ${g.workflows}`] : []), ...(g.owner !== undefined ? [`for owner ${g.owner}`] : [])].join(' ')
}

function tokenStatus(t: ApiTokenRecord, now = Date.now()): string {
  if (t.revokedAt) return `revoked ${iso(t.revokedAt)}${t.revokedBy ? ` by ${t.revokedBy}` : ''}`
  if (t.expiresAt && t.expiresAt.getTime() <= now) return `expired ${iso(t.expiresAt)}`
  return 'active'
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } })
}

/** The CLI flag behind each field `createApiToken` checks. */
const FLAG_OF: [RegExp, string][] = [
  [/^name$/, '--name'],
  [/^grants\[0\]\.role$/, '--role'],
  [/^grants\[0\]\.workflows$/, '--workflows'],
  [/^grants\[0\]\.owner$/, '--owner'],
  [/^grants\[0\]$/, '--workflows/--owner'],
  [/^expiresAt$/, '--expires'],
]

function asFlags(e: ValidationError): ValidationError {
  return new ValidationError(e.issues.map((i) => ({ path: FLAG_OF.find(([re]) => re.test(i.path))?.[1] ?? i.path, reason: i.reason })))
}

/** Writes the audit line of a token change made here; a failure to write it fails the command. */
async function auditTokenChange(db: Db, action: string, name: string, params: unknown, error?: unknown): Promise<void> {
  await appendAudit(db, {
    actor: cliActor(),
    role: null,
    action,
    resource: `token:${name}`,
    params,
    result: error === undefined ? 'ok' : 'failed',
    status: null,
    reason: error === undefined ? null : toError(error).message,
    clientAddress: null,
  })
}

/** A new token and its secret (shown once). */
interface CreatedToken {
  readonly token: ApiTokenRecord
  readonly secret: string
}

/** Where the token and audit commands act. */
interface AccessStore {
  /** Creates the token; a ValidationError names the flags. */
  create(name: string, grant: ApiTokenGrant, expires: Date | null): Promise<CreatedToken>
  list(): Promise<ApiTokenRecord[]>
  /** Revokes it (NotFoundError when there is none); whether it already was. */
  revoke(idOrName: string): Promise<{ token: ApiTokenRecord; alreadyRevoked: boolean }>
  audit(filter: AuditFilter): Promise<AuditRecord[]>
  close(): Promise<void>
}

/** The one place these commands choose their mode: the HTTP API when configured, else the database. */
function openStore(): AccessStore {
  const api = apiTarget()
  return api ? apiStore(api) : directStore()
}

function directStore(): AccessStore {
  const client = new CliClient()
  return {
    async create(name, grant, expires) {
      const db = await client.db()
      const params = { name, grants: [grant], expiresAt: expires?.toISOString() ?? null }
      try {
        const created = await createApiToken(db, { name, grants: [grant], expiresAt: expires, createdBy: cliActor() })
        await auditTokenChange(db, 'token.create', name, params)
        return created
      } catch (e) {
        if (e instanceof ValidationError) {
          await auditTokenChange(db, 'token.create', name, params, e)
          throw asFlags(e)
        }
        throw e
      }
    },
    list: async () => listApiTokens(await client.db({ readOnly: true })),
    async revoke(idOrName) {
      const db = await client.db()
      const before = await getApiToken(db, idOrName)
      if (!before) {
        const error = new NotFoundError('token', idOrName)
        await auditTokenChange(db, 'token.revoke', idOrName, { idOrName }, error)
        throw error
      }
      const token = (await revokeApiToken(db, before.id, cliActor()))!
      await auditTokenChange(db, 'token.revoke', token.name, { id: token.id })
      return { token, alreadyRevoked: before.revokedAt !== null }
    },
    async audit(filter) {
      return listAudit(await client.db({ readOnly: true }), filter).catch((e: unknown) => {
        throw e instanceof ValidationError ? new ValidationError(e.issues.map((i) => ({ path: `--${i.path}`, reason: i.reason }))) : e
      })
    },
    close: () => client.close(),
  }
}

const date = (s: string | null): Date | null => (s === null ? null : new Date(s))

/** A token as the API lists it, as the catalog returns it (dates as Date). */
function tokenOf(t: ApiSchemas['ApiToken']): ApiTokenRecord {
  return { ...t, createdAt: new Date(t.createdAt), expiresAt: date(t.expiresAt), revokedAt: date(t.revokedAt), lastUsedAt: date(t.lastUsedAt) }
}

function apiStore(target: ApiTarget): AccessStore {
  const api = new ApiClient(target)
  return {
    async create(name, grant, expires) {
      const body = { name, role: grant.role as 'viewer', ...(grant.workflows !== undefined ? { workflows: grant.workflows } : {}), ...(grant.owner !== undefined ? { owner: grant.owner } : {}), ...(expires ? { expiresAt: expires.toISOString() } : {}) }
      const { data } = await api.ok(api.http.POST('/tokens', { body }))
      return { token: tokenOf(data.token), secret: data.secret }
    },
    list: async () => (await api.ok(api.http.GET('/tokens', {}))).data.items.map(tokenOf),
    async revoke(idOrName) {
      const { data } = await api.ok(api.http.DELETE('/tokens/{idOrName}', { params: { path: { idOrName } } }))
      return { token: tokenOf(data.token), alreadyRevoked: data.alreadyRevoked }
    },
    async audit(filter) {
      // Checked here as listAudit checks them in direct mode: the same words for the same mistake.
      if (filter.result !== undefined && !Object.values(AuditResult).includes(filter.result as AuditResult)) {
        throw new ValidationError([{ path: '--result', reason: `unknown result '${filter.result}': use one of ${Object.values(AuditResult).join(', ')}` }])
      }
      if (filter.before !== undefined && !/^[1-9]\d{0,14}$/.test(filter.before)) throw new ValidationError([{ path: '--before', reason: `'${filter.before}' is not an audit id (a cursor from a previous page)` }])
      const query = {
        ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
        ...(filter.action !== undefined ? { action: filter.action } : {}),
        ...(filter.result !== undefined ? { result: filter.result as AuditResult } : {}),
        ...(filter.since ? { since: filter.since.toISOString() } : {}),
        ...(filter.until ? { until: filter.until.toISOString() } : {}),
        ...(filter.before !== undefined ? { before: filter.before } : {}),
        ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
      }
      const { data } = await api.ok(api.http.GET('/audit', { params: { query } }))
      return data.items.map((r) => ({ ...r, at: new Date(r.at) }))
    },
    close: () => api.close(),
  }
}

/** `baton token create`. */
export async function tokenCreate(opts: { role: string; name?: string; workflows?: string; owner?: string; expires: Date | null; json?: boolean }): Promise<void> {
  const grant: ApiTokenGrant = { role: opts.role, ...(opts.workflows !== undefined ? { workflows: opts.workflows } : {}), ...(opts.owner !== undefined ? { owner: opts.owner } : {}) }
  const name = opts.name ?? `${opts.role}-${randomBytes(3).toString('hex')}`
  // Flags are checked before any connection: a typo is reported as such even with Postgres down.
  const issues = apiTokenGrantIssues([grant])
  if (issues.length > 0) throw asFlags(new ValidationError(issues))
  const store = openStore()
  try {
    const { token, secret } = await store.create(name, grant, opts.expires)
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...token, secret }, null, 2)}\n`)
    } else {
      process.stderr.write(`created token '${token.name}' (id ${token.id}, ${token.grants.map(describeGrant).join(', ')}, expires ${token.expiresAt ? iso(token.expiresAt) : 'never'})\n`)
      process.stdout.write(`${secret}\n`)
    }
    process.stderr.write('warning: the secret is shown only this once: store it now (Baton keeps only its hash); use it as `Authorization: Bearer <secret>`\n')
  } finally {
    await store.close()
  }
}

/** `baton token list`. */
export async function tokenList(opts: { json?: boolean }): Promise<void> {
  const store = openStore()
  try {
    const tokens = await store.list()
    if (opts.json) return void process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`)
    if (tokens.length === 0) return void process.stdout.write('no API tokens (create one with `baton token create --role R`)\n')
    const t = table(['id', 'name', 'grants', 'status', 'created', 'expires', 'last used'])
    for (const k of tokens) {
      t.push([k.id, k.name, k.grants.map(describeGrant).join(', '), tokenStatus(k), `${iso(k.createdAt)}${k.createdBy ? ` by ${k.createdBy}` : ''}`, iso(k.expiresAt), iso(k.lastUsedAt)])
    }
    process.stdout.write(`${t.toString()}\n`)
  } finally {
    await store.close()
  }
}

/** `baton token revoke ID_OR_NAME`. */
export async function tokenRevoke(idOrName: string, opts: { json?: boolean }): Promise<void> {
  const store = openStore()
  try {
    const { token, alreadyRevoked } = await store.revoke(idOrName)
    if (opts.json) return void process.stdout.write(`${JSON.stringify(token, null, 2)}\n`)
    process.stdout.write(
      alreadyRevoked
        ? `token '${token.name}' (id ${token.id}) was already revoked at ${iso(token.revokedAt)}${token.revokedBy ? ` by ${token.revokedBy}` : ''}\n`
        : `revoked token '${token.name}' (id ${token.id}): requests with it are refused from now on\n`,
    )
  } finally {
    await store.close()
  }
}

const clip = (s: string | null, max: number): string => (s === null ? '' : s.length > max ? `${s.slice(0, max - 1)}…` : s)

function formatAudit(rows: AuditRecord[], limit: number): string {
  if (rows.length === 0) return 'no audit lines\n'
  const t = table(['id', 'at', 'actor', 'role', 'action', 'resource', 'result', 'status', 'reason'])
  for (const r of rows) t.push([r.id, iso(r.at), r.actor, r.role ?? '-', r.action, r.resource ?? '-', r.result, r.status === null ? '-' : String(r.status), clip(r.reason, 60)])
  const more = rows.length === limit ? `older lines: --before ${rows.at(-1)!.id}\n` : ''
  return `${t.toString()}\n${more}`
}

/** `baton audit`. */
export async function audit(opts: { actor?: string; action?: string; result?: string; since?: Date; until?: Date; before?: string; limit: number; json?: boolean }): Promise<void> {
  const store = openStore()
  try {
    const { json: _json, ...filter } = opts
    const rows = await store.audit(filter)
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatAudit(rows, opts.limit))
  } finally {
    await store.close()
  }
}
