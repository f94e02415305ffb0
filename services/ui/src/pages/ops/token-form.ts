import type { Schemas } from '../../api/client'
import type { Look } from './look'

/**
 * The "Create token" form as data, the POST /tokens body it makes, and how tokens and their
 * grants read. A token has one role, optionally scoped to workflows by name glob or by owner.
 */

/** One token of GET /tokens (never its secret). */
export type ApiToken = Schemas['ApiToken']

/** The roles a token may have, least to most powerful. */
export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const
/** A token's role. */
export type Role = (typeof ROLES)[number]

/** What each role may do, in a line (docs/access-control.md). */
export const ROLE_HINTS: Record<Role, string> = {
  viewer: 'read workflows, runs, logs, alerts',
  operator: 'viewer + trigger, cancel, retry, clear, pause, backfill',
  approver: 'viewer + approve or reject approval tasks',
  admin: 'everything: also mark, archive, deploy, tokens and the audit log',
}

/** The form's fields as typed. */
export interface TokenForm {
  name: string
  role: Role
  scope: 'all' | 'workflows' | 'owner'
  workflows: string
  owner: string
  /** A duration key (`30d`), `never`, or `date` (then `expiresAt`, a datetime-local value). */
  expires: string
  expiresAt: string
}

/** A new form: a viewer on every workflow for 30 days (the least a token usually needs). */
export const EMPTY_TOKEN_FORM: TokenForm = { name: '', role: 'viewer', scope: 'all', workflows: '', owner: '', expires: '30d', expiresAt: '' }

/** The expiry choices of the form, by key. */
export const EXPIRY_CHOICES: Record<string, string> = { '1d': '1 day', '7d': '7 days', '30d': '30 days', '90d': '90 days', '365d': '1 year', never: 'never', date: 'on a date…' }

/** The body of POST /tokens. */
export type CreateTokenBody = { name?: string; role: Role; workflows?: string; owner?: string; expiresIn?: string; expiresAt?: string }

/** The request a form makes, or what is wrong with it (checked again by the API). */
export function tokenRequestBody(f: TokenForm, now = Date.now()): { body: CreateTokenBody } | { error: string } {
  const body: CreateTokenBody = { role: f.role }
  const name = f.name.trim()
  if (name) body.name = name
  if (f.scope === 'workflows') {
    if (!f.workflows.trim()) return { error: 'Give a workflow name or glob (e.g. finance_*), or choose "all workflows".' }
    body.workflows = f.workflows.trim()
  }
  if (f.scope === 'owner') {
    if (!f.owner.trim()) return { error: 'Give an owner, or choose "all workflows".' }
    body.owner = f.owner.trim()
  }
  if (f.expires === 'date') {
    const at = new Date(f.expiresAt)
    if (!f.expiresAt || Number.isNaN(at.getTime())) return { error: 'Pick the date and time it expires.' }
    if (at.getTime() <= now) return { error: 'The expiry must be in the future.' }
    body.expiresAt = at.toISOString()
  } else if (f.expires !== 'never') body.expiresIn = f.expires
  return { body }
}

/** A grant in words: `operator on finance_*`, `viewer for owner finance`, `admin`. */
export function grantWords(g: ApiToken['grants'][number]): string {
  return [g.role, g.workflows ? `on ${g.workflows}` : null, g.owner ? `for owner ${g.owner}` : null].filter(Boolean).join(' ')
}

/** Whether a token works now. */
export type TokenState = 'active' | 'expired' | 'revoked'

/** A token's state at `now`: revoked wins over expired. */
export function tokenState(t: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now = Date.now()): TokenState {
  if (t.revokedAt) return 'revoked'
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return 'expired'
  return 'active'
}

/** How each token state is drawn. */
export const TOKEN_STATE: Record<TokenState, Look> = {
  active: { icon: '✓', label: 'active', hint: 'works now', colour: 'succeeded' },
  expired: { icon: '◷', label: 'expired', hint: 'past its expiry: refused', colour: 'cancelled' },
  revoked: { icon: '⊘', label: 'revoked', hint: 'revoked: refused', colour: 'failed' },
}
