import type { Command } from 'commander'
import { parseDuration, ValidationError } from '@baton/shared'
import { lazyAction } from '../lazy-action.js'
import { intOption, parseTimeArg, timeOption } from '../options.js'

/**
 * Parses `--expires`: a duration from now (`30d`, `12h`), an ISO date or date-time in the future,
 * or `never`. Null means no expiry.
 */
export function expiresOption(value: string, now: Date = new Date()): Date | null {
  const v = value.trim()
  if (v === 'never') return null
  const at = /^\d+(\.\d+)?(ms|s|m|h|d)/.test(v) ? new Date(now.getTime() + parseDuration(v, '--expires')) : parseTimeArg('--expires', v, now)
  if (at.getTime() <= now.getTime()) throw new ValidationError([{ path: '--expires', reason: `"${value}" is not in the future: use a duration from now (30d, 12h) or a later date` }])
  return at
}

/** `token create|list|revoke` and `audit`: access to the HTTP API, straight from the database. */
export function registerAccessCommands(program: Command): void {
  const token = program.command('token').description('API tokens for the HTTP API: `token create` (secret shown once), `token list`, `token revoke`')
  token
    .command('create')
    .description('create an API token with one role, optionally scoped to workflows; prints its secret once')
    .requiredOption('--role <role>', 'viewer, operator, approver or admin (docs/access-control.md)')
    .option('--name <name>', 'a unique name, shown in the audit log as token:<name> (default: <role>-<random>)')
    .option('--workflows <glob>', 'only workflows whose name matches (e.g. finance_*)')
    .option('--owner <owner>', 'only workflows with this owner')
    .option('--expires <when>', 'a duration from now (30d, 12h), a date (2027-01-01), or never', (v) => expiresOption(v), null)
    .option('--json', 'print the token and its secret as JSON')
    .action(lazyAction(async () => (await import('../actions/access.js')).tokenCreate))
  token
    .command('list')
    .description('every API token: name, grants, status, expiry, last use (never a secret)')
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/access.js')).tokenList))
  token
    .command('revoke')
    .description('revoke an API token at once (idempotent)')
    .argument('<idOrName>', 'token id or name')
    .option('--json', 'print the revoked token as JSON')
    .action(lazyAction(async () => (await import('../actions/access.js')).tokenRevoke))

  program
    .command('audit')
    .description('the audit log: who did what to which resource through the API (and token changes), newest first')
    .option('--actor <actor>', 'only this actor (token:<name>, oidc:<subject>, cli:<user>)')
    .option('--action <action>', 'only this action (e.g. run.retry, token.create)')
    .option('--result <result>', 'only ok, denied, failed or unauthenticated')
    .option('--since <time>', 'at or after (2026-06-01, 2026-06-01T06:00Z, or 24h ago)', timeOption('--since'))
    .option('--until <time>', 'before (same forms as --since)', timeOption('--until'))
    .option('--before <id>', 'only lines older than this id (the next page)')
    .option('--limit <n>', 'how many (at most 1000)', intOption('--limit', 1, 1000), 100)
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('../actions/access.js')).audit))
}
