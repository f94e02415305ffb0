import { z } from 'zod'
import { RunStatus, TaskKind, TaskStatus, TriggerRule } from '@baton/shared'
import { ErrorResponseSchema } from '../errors.js'
import { Permission } from '../auth/types.js'

/**
 * Building blocks of the API's request and response schemas. Path and query parameters are
 * narrow on purpose: a name, an id or a number in the shape Baton makes them, so anything else
 * (an injection attempt, a traversal) is a 400 naming the field before any query runs.
 */

/** Workflow and task names, as the definition schema allows them. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/

/** A workflow name in a path or query. */
export const WorkflowName = z.string().regex(NAME, 'must be a workflow name: a letter, then letters, digits, _ or - (at most 100 characters)')
/** A task id in a path. */
export const TaskId = z.string().regex(NAME, 'must be a task id: a letter, then letters, digits, _ or - (at most 100 characters)')
/** A task id or an instance of a mapped task (`load[3]`, sent URL-encoded as `load%5B3%5D`) in a path. */
export const TaskOrInstanceId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,99}(\[\d{1,7}\])?$/, 'must be a task id (a letter, then letters, digits, _ or -, at most 100 characters), or an instance of a mapped task: the task id and [index], e.g. load[3]')
/** A run or backfill id (a UUID). */
export const Uuid = z.guid('must be a UUID')
/** A version hash (sha256, hex). */
export const VersionHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a version hash (64 hex characters)')
/** A partition label in a query (date, hour or key: printable, no control characters). */
export const Partition = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'must be a partition label without control characters')
/** An owner or source name in a query. */
export const Label = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'must be printable text (at most 200 characters)')
/** A time in a query: an ISO 8601 instant with its offset, or a date (midnight UTC). */
export const TimeQuery = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 time (2026-06-01T06:00:00Z) or date (2026-06-01)' })
  .transform((s) => new Date(s))
/** `limit`: how many items a page holds. */
export const limitQuery = (max: number, def: number) => z.coerce.number({ error: `must be a whole number from 1 to ${max}` }).int().min(1).max(max).default(def)

/** A run status word (brief §3). */
export const RunStatusSchema = z.enum(Object.values(RunStatus) as [RunStatus, ...RunStatus[]])
/** A task status word (brief §3). */
export const TaskStatusSchema = z.enum(Object.values(TaskStatus) as [TaskStatus, ...TaskStatus[]])
/** A task kind. */
export const TaskKindSchema = z.enum(Object.values(TaskKind) as [TaskKind, ...TaskKind[]])
/** A trigger rule name. */
export const TriggerRuleSchema = z.enum(Object.values(TriggerRule) as [TriggerRule, ...TriggerRule[]])
/** What started a run. */
export const RunTriggerSchema = z.enum(['manual', 'api', 'cron', 'readiness', 'late_data', 'backfill'])

/** An instant in a response (ISO 8601, UTC). */
export const Instant = z.iso.datetime({ offset: true })
/** Any JSON value a task or definition produced. */
export const Json = z.unknown()

/** The error answers every authenticated route may give (documented in the OpenAPI document). */
export const errorResponses = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
} as const

/** The security requirement of authenticated routes. */
export const bearer = [{ bearerAuth: [] }]

/** Every permission name (docs/access-control.md). */
export const PermissionSchema = z.enum(Object.values(Permission) as [Permission, ...Permission[]])

/** What the caller may do with the resource it read: the actions a client should offer it. */
export const AllowedSchema = z.array(PermissionSchema).describe('Permissions the caller holds on this resource (a client shows only these actions; each action is still checked)')

/** A grant as the API shows it: a role, optionally scoped by a workflow glob or an owner. */
export const GrantSchema = z.object({ role: z.string(), workflows: z.string().optional(), owner: z.string().optional() })
